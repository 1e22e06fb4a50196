import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { repoRoot } from '@xietong/config';
import { sampleLead, validateBody, type MessageType } from '@xietong/contracts';
import {
  generateEncryptionKey,
  generateSigningKey,
  importSigningKey,
  type KeyPairJwk,
  type Signer,
} from '@xietong/crypto';
import { buildManifest, Federation, loadZoneData, type Manifest } from '@xietong/federation';
import { HEADERS, type InboundRecord } from '@xietong/messaging';
import { composeSignedRecord, type SignedRecord } from '../signed-record';
import { AgencyId, provideValue } from '../tokens';
import { WireCodec } from '../wire-codec';
import { RecordVerifier } from './record-verifier';

const HZ = '330100'; // this gateway
const JD = '341825';
const NJ = '320100';
const now = new Date('2026-11-30T02:00:00Z');
const codec = new WireCodec(join(repoRoot(), 'schemas'));

/** A real manifest of three members, LEAD agreed between 旌德 and 杭州 only; `edit` changes it. */
async function federationOf(keys: Record<string, KeyPairJwk>, edit: (m: Manifest) => Manifest = (m) => m) {
  const members = await Promise.all(
    [JD, HZ, NJ].map(async (id) => ({
      id,
      signing: [{ ...keys[id], notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z' }],
      encryption: await generateEncryptionKey(`${id}-enc`),
    })),
  );
  const manifest = buildManifest({
    serial: 7,
    issuer: 'test',
    issuedAt: new Date('2026-11-01T00:00:00Z'),
    validDays: 90,
    members,
    zones: loadZoneData(),
    catalog: codec.local,
    federation: 'fed',
    agreements: [{ id: 'yrd', name: '长三角', members: [JD, HZ], messageTypes: ['LEAD', 'CASE_RESULT'] }],
  });
  return new Federation(edit(manifest));
}

describe('RecordVerifier', () => {
  const keys: Record<string, KeyPairJwk> = {};
  const signers: Record<string, Signer> = {};
  let federation: Federation;
  let verifier: RecordVerifier;

  beforeAll(async () => {
    for (const id of [JD, HZ, NJ]) {
      keys[id] = await generateSigningKey('EdDSA', `${id}-1`);
      signers[id] = { kid: `${id}-1`, alg: 'EdDSA', key: await importSigningKey(keys[id].privateJwk, 'EdDSA') };
    }
    federation = await federationOf(keys);
    const module = await Test.createTestingModule({
      providers: [RecordVerifier, provideValue(WireCodec, codec), provideValue(AgencyId, HZ)],
    }).compile();
    verifier = module.get(RecordVerifier);
  });

  const forge = (
    o: {
      from?: string;
      to?: string;
      type?: MessageType;
      body?: Record<string, unknown>;
      signer?: Signer;
      /** Write the body as given, without the sender's checks (a broken or hostile sender). */
      unchecked?: boolean;
    } = {},
  ) =>
    composeSignedRecord(codec, o.signer ?? signers[o.from ?? JD], {
      type: o.type ?? 'LEAD',
      sender: o.from ?? JD,
      recipient: o.to ?? HZ,
      zone: 'yrd',
      correlationId: 'L-1',
      createdAt: new Date('2026-11-30T01:00:00Z'),
      body: o.unchecked
        ? o.body
        : validateBody(codec.local.latest(o.type ?? 'LEAD').avroType, o.body ?? sampleLead('L-1')),
    });
  const asRecord = (r: SignedRecord, headers = r.headers): InboundRecord => ({
    topic: `fed.inbox.${HZ}`,
    partition: 0,
    offset: '1',
    key: Buffer.from(r.key),
    value: r.value,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
  });
  const verify = async (r: InboundRecord, f = federation) => verifier.verify(r, f, now);

  it('accepts a record signed by its sender, with the body decoded', async () => {
    const r = await forge();
    const result = await verify(asRecord(r));
    expect(result).toMatchObject({ ok: true, kid: `${JD}-1`, envelope: { messageId: r.messageId, sender: JD } });
    expect(result.ok && result.body.leadNo).toBe('L-1');
  });

  it('refuses a key the sender does not have in the manifest (UNKNOWN_KEY)', async () => {
    const stranger = await generateSigningKey('EdDSA', 'stranger-1');
    const signer = { kid: 'stranger-1', alg: 'EdDSA' as const, key: await importSigningKey(stranger.privateJwk) };
    const result = await verify(asRecord(await forge({ signer })));
    expect(result).toMatchObject({ ok: false, code: 'UNKNOWN_KEY', envelope: { sender: JD } });
  });

  it("refuses a signature made with another key under the sender's kid (SIGNATURE_INVALID)", async () => {
    const forged = { ...signers[NJ], kid: `${JD}-1` };
    expect(await verify(asRecord(await forge({ signer: forged })))).toMatchObject({
      ok: false,
      code: 'SIGNATURE_INVALID',
    });
  });

  it('refuses bytes changed after signing', async () => {
    const r = await forge();
    const other = await forge({ body: sampleLead('L-2') });
    const result = await verify(asRecord({ ...other, headers: r.headers }));
    expect(result).toMatchObject({ ok: false, code: 'SIGNATURE_INVALID' });
  });

  it('refuses a record without a signature header (SIGNATURE_MISSING), and one without a value', async () => {
    const r = await forge();
    expect(await verify(asRecord(r, {}))).toMatchObject({ ok: false, code: 'SIGNATURE_MISSING' });
    expect(await verify({ ...asRecord(r), value: null })).toMatchObject({ ok: false, code: 'MALFORMED' });
  });

  it('refuses a body schema the signed catalog lacks (UNKNOWN_SCHEMA)', async () => {
    const latest = codec.local.latest('LEAD');
    const withoutIt = await federationOf(keys, (m) => ({
      ...m,
      schemas: m.schemas.filter((s) => s.fingerprint !== latest.fingerprint),
    }));
    const result = await verify(asRecord(await forge()), withoutIt);
    expect(result).toMatchObject({ ok: false, code: 'UNKNOWN_SCHEMA' });
    expect(!result.ok && result.detail).toMatch(/is not in the signed catalog \(manifest serial 7\)/);
  });

  it('refuses a record for another agency, and one no agreement covers', async () => {
    expect(await verify(asRecord(await forge({ to: NJ })))).toMatchObject({ ok: false, code: 'WRONG_RECIPIENT' });
    expect(await verify(asRecord(await forge({ from: NJ })))).toMatchObject({ ok: false, code: 'NOT_IN_AGREEMENT' });
  });

  it('refuses a sender outside the federation (UNKNOWN_SENDER)', async () => {
    const withoutJd = await federationOf(keys, (m) => ({ ...m, members: m.members.filter((x) => x.id !== JD) }));
    expect(await verify(asRecord(await forge()), withoutJd)).toMatchObject({ ok: false, code: 'UNKNOWN_SENDER' });
  });

  it('refuses control characters in the body (MALFORMED)', async () => {
    const lead = sampleLead('L-1');
    const body = { ...lead, allegation: { ...(lead.allegation as object), facts: 'a\u0000b' } };
    const result = await verify(asRecord(await forge({ body, unchecked: true })));
    expect(result).toMatchObject({ ok: false, code: 'MALFORMED' });
    expect(!result.ok && result.detail).toMatch(/control characters/);
  });

  it('reports garbage as MALFORMED without an envelope', async () => {
    const r = await forge();
    const result = await verify({ ...asRecord(r), value: Buffer.from('not a record') });
    expect(result).toMatchObject({ ok: false, code: 'MALFORMED', envelope: undefined });
  });

  it('refuses a stand-in for a record of a batch the consumer could not inflate (MALFORMED, its reason)', async () => {
    const r = await forge();
    const result = await verify({ ...asRecord(r), undecodable: 'zstd batch could not be inflated: bad frame' });
    expect(result).toMatchObject({
      ok: false,
      code: 'MALFORMED',
      detail: 'zstd batch could not be inflated: bad frame',
    });
  });

  it('writes out control characters the refusal quotes from the record (a NUL in the kid)', async () => {
    const r = await forge();
    const [head, , sig] = r.headers[HEADERS.signature].split('.');
    const header = { ...JSON.parse(Buffer.from(head, 'base64url').toString()), kid: 'k\u0000ey' };
    const jws = `${Buffer.from(JSON.stringify(header)).toString('base64url')}..${sig}`;
    const result = await verify(asRecord(r, { [HEADERS.signature]: jws }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.detail).toContain('k\\u0000ey');
    expect(!result.ok && result.detail).not.toContain('\u0000');
  });
});
