import { generateSigningKey, importSigningKey } from '@xietong/crypto';
import type { AuditEntry, SignedRecordRow } from '@xietong/persistence';
import { signClaim } from '../audit/checkpoint-signature';
import type { KeyLookup } from '../audit/countersignature';
import { erasureProblem, noteErasure, type ErasureEntry } from '../audit/erasure-check';
import { ERASURE_TYPE, eraseFields, sha256, storedColumnsDigest, type ErasureClaim } from './erasure-claim';

const JWE = 'eyJhbGciOiJFQ0RILUVTIn0.a.b.c.d';

function row(body: string): SignedRecordRow {
  return {
    messageId: 'm-1',
    direction: 'in',
    type: 'COMPLAINT',
    sender: '341825',
    recipient: '330100',
    signature: 'eyJhbGciOiJFZERTQSJ9..sig',
    manifestSerial: 1,
    value: null,
    derived: {
      zone: 'YRD',
      correlationId: 'JDTS-1',
      causationId: null,
      createdAt: new Date('2026-12-01T00:00:00Z'),
      bodySchema: 'ab',
      body,
    },
  };
}

describe('erasure of personal fields', () => {
  it('replaces each personal field with the marker and names the digest of what it removed', () => {
    const { body, removed } = eraseFields(JSON.stringify({ complaintNo: 'JDTS-1', complainant: JWE }), ['complainant']);
    expect(JSON.parse(body)).toEqual({ complaintNo: 'JDTS-1', complainant: 'erased' });
    expect(removed).toEqual({ complainant: sha256(JWE) });
    expect(body).not.toContain(JWE);
    // Erasing an erased body removes nothing more.
    expect(eraseFields(body, ['complainant']).removed).toEqual({});
  });

  it('digests every column audit verify checks, so an edit of any of them shows', () => {
    const base = row('{"complainant":"erased"}');
    const digest = storedColumnsDigest(base);
    expect(storedColumnsDigest({ ...base, sender: '330100' })).not.toBe(digest);
    expect(storedColumnsDigest({ ...base, derived: { ...base.derived, body: '{"complainant":"x"}' } })).not.toBe(
      digest,
    );
    expect(storedColumnsDigest({ ...base, signature: '' })).not.toBe(digest);
  });
});

describe('erasure entries in audit verify', () => {
  const erased = row('{"complaintNo":"JDTS-1","complainant":"erased"}');
  let entry: ErasureEntry;
  let keys: KeyLookup;
  let otherKeys: KeyLookup;

  beforeAll(async () => {
    const pair = await generateSigningKey('EdDSA', 'k1');
    const other = await generateSigningKey('EdDSA', 'k1');
    const signer = { kid: 'k1', alg: 'EdDSA' as const, key: await importSigningKey(pair.privateJwk, 'EdDSA') };
    const claim: ErasureClaim = {
      agency: '330100',
      messageId: 'm-1',
      type: 'COMPLAINT',
      sender: '341825',
      recipient: '330100',
      correlationId: 'JDTS-1',
      reason: 'test',
      erasedAt: '2027-01-01T00:00:00Z',
      removed: { complainant: sha256(JWE) },
      record: sha256('record bytes'),
      signature: erased.signature,
      columns: storedColumnsDigest(erased),
    };
    const jws = await signClaim(claim, signer, ERASURE_TYPE);
    const found = new Map<string, ErasureEntry>();
    noteErasure(
      {
        seq: 7,
        occurredAt: claim.erasedAt,
        kind: 'PERSONAL_DATA_ERASED',
        actor: 'retention',
        messageId: 'm-1',
        caseNo: 'JDTS-1',
        partner: '341825',
        detail: JSON.stringify({ claim, jws }),
        prevHash: '0'.repeat(64),
        hash: '1'.repeat(64),
      } satisfies AuditEntry,
      found,
    );
    entry = found.get('m-1')!;
    keys = (member, kid) =>
      member === '330100' && kid === 'k1' ? { publicJwk: pair.publicJwk, alg: 'EdDSA' } : undefined;
    // The same kid with another agency's key material must not verify.
    otherKeys = (member, kid) => (kid === 'k1' ? { publicJwk: other.publicJwk, alg: 'EdDSA' } : undefined);
  });

  it('accepts the row exactly as the signed entry describes it', async () => {
    expect(entry.seq).toBe(7);
    await expect(erasureProblem(erased, entry, '330100', keys)).resolves.toBeUndefined();
  });

  it.each([
    ['a column edited after the erasure', { ...erased, recipient: '320100' }, /changed after the erasure/],
    ['another signature put in', { ...erased, signature: 'x..y' }, /stored signature is not the one/],
    [
      'the marker replaced',
      { ...erased, derived: { ...erased.derived, body: '{"complaintNo":"JDTS-1","complainant":"x"}' } },
      /erased field complainant does not hold the erased marker/,
    ],
    ['another message', { ...erased, messageId: 'm-2' }, /does not name this message/],
  ])('refuses %s', async (_what, changed, problem) => {
    await expect(erasureProblem(changed, entry, '330100', keys)).resolves.toMatch(problem);
  });

  it('refuses an entry not signed by the agency', async () => {
    await expect(erasureProblem(erased, entry, '330100', otherKeys)).resolves.toMatch(/does not verify/);
    await expect(erasureProblem(erased, entry, '341825', keys)).resolves.toMatch(/does not list for 341825/);
  });
});
