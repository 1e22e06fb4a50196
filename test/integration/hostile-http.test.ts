import fc from 'fast-check';
import { sampleLead, validateBody } from '@xietong/contracts';
import { importKey } from '@xietong/crypto';
import { composeSignedRecord } from '@xietong/exchange';
import { federationFiles, readJwk } from '@xietong/federation';
import { HEADERS } from '@xietong/messaging';
import { eventually, RecordForge, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

const INJECTIONS = [
  "'; DROP TABLE message; --",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  '{{7*7}}${7*7}',
  '${jndi:ldap://127.0.0.1/a}',
  '../../../../etc/passwd',
  '%00%0d%0a',
  'line\nbreak\ttab',
  'nul\u0000byte',
  '\u202etxt.exe',
  '😀'.repeat(50),
];

/** Paths of the string fields of a lead a county system fills in. */
const FIELDS: string[][] = [
  ['leadNo'],
  ['subject', 'storeName'],
  ['subject', 'operatorName'],
  ['subject', 'storeUrl'],
  ['subject', 'registeredAddress', 'address'],
  ['allegation', 'facts'],
  ['allegation', 'legalBasis', '0', 'law'],
  ['evidence', '0', 'uri'],
  ['evidence', '0', 'digest'],
];

function setPath(body: Record<string, unknown>, path: string[], value: string): Record<string, unknown> {
  const copy = structuredClone(body);
  let at: Record<string, unknown> = copy;
  for (const p of path.slice(0, -1)) at = at[p] as Record<string, unknown>;
  at[path[path.length - 1]] = value;
  return copy;
}

function getPath(body: Record<string, unknown>, path: string[]): unknown {
  return path.reduce<unknown>((at, p) => (at as Record<string, unknown>)[p], body);
}

describe('hostile strings in every field of a submission', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'postgres', offline: [HZ] });
  });
  afterAll(() => h?.close());

  it('stores any injection string verbatim or refuses it with 400, never 5xx, and the database stays intact', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FIELDS), fc.constantFrom(...INJECTIONS), async (path, value) => {
        const leadNo = `INJ-${n++}`;
        const body = setPath({ ...sampleLead(leadNo), leadNo }, path, path[0] === 'leadNo' ? value : value);
        const res = await h.post(JD, 'leads', { recipient: HZ, body });
        if (res.status === 400) return res.json.error === 'VALIDATION_FAILED' && typeof res.json.field === 'string';
        // The same case number twice is a second transfer of one lead, which the lifecycle refuses.
        if (res.status === 409 && path[0] === 'leadNo') return res.json.error === 'ILLEGAL_TRANSITION';
        if (res.status !== 202) return false;
        const stored = await h.messages(JD).find(res.json.messageId);
        return stored !== null && getPath(JSON.parse(stored.body), path) === value;
      }),
      { numRuns: 150, seed: 42 },
    );
    expect((await h.get(JD, '/api/v1/messages?limit=1')).status).toBe(200);
  });

  it('refuses a lone surrogate in the store name with 400 naming the field, instead of storing U+FFFD', async () => {
    const body = setPath(sampleLead('LONE-SURROGATE'), ['subject', 'storeName'], 'store \ud800');
    const res = await h.post(JD, 'leads', { recipient: HZ, body });
    expect(res).toMatchObject({ status: 400, json: { error: 'VALIDATION_FAILED', field: 'body.subject.storeName' } });
  });

  it('refuses a NUL in the case number with 400 naming the field', async () => {
    const res = await h.post(JD, 'leads', { recipient: HZ, body: { ...sampleLead('X'), leadNo: 'JD\u00001' } });
    expect(res).toMatchObject({ status: 400, json: { field: 'body.leadNo' } });
  });
});

describe('a partner record with control characters', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'postgres', offline: [JD] });
  });
  afterAll(() => h?.close());

  it('is quarantined as MALFORMED instead of blocking the partition', async () => {
    const forge = new RecordForge(h);
    const bad = await forge.forge({
      from: JD,
      to: HZ,
      type: 'LEAD',
      body: sampleLead('CASE-1'),
      correlationId: 'NUL\u0000CASE',
    });
    const good = await forge.forge({ from: JD, to: HZ, type: 'LEAD', body: sampleLead('GOOD-AFTER-NUL') });
    await forge.send(HZ, [
      { ...bad, key: 'k' },
      { ...good, key: 'k' },
    ]);
    await forge.close();
    await eventually('good record delivered', () => h.messages(HZ).find(good.messageId));
    const [q] = await h.quarantine(HZ).list('MALFORMED');
    expect(q.reason).toContain('printable');
    expect(q.headers).toContain(HEADERS.signature);
  });

  it('in a body field is quarantined as MALFORMED too', async () => {
    const forge = new RecordForge(h);
    // Built past the local validation, as a broken partner gateway would.
    const body = validateBody<{ subject: { storeName: string } }>(
      forge.codec.local.latest('LEAD').avroType,
      sampleLead('CASE-2'),
    );
    body.subject.storeName = 'nul\u0000store';
    const jwk = await readJwk(federationFiles(h.dir).signingKey(JD));
    const record = await composeSignedRecord(
      forge.codec,
      { kid: jwk.kid!, alg: 'EdDSA', key: await importKey(jwk) },
      { type: 'LEAD', sender: JD, recipient: HZ, zone: 'yrd', correlationId: 'CASE-2', body },
    );
    await forge.send(HZ, [record]);
    await forge.close();
    const q = await eventually('quarantined', async () =>
      (await h.quarantine(HZ).list('MALFORMED')).find((x) => x.messageId === record.messageId),
    );
    expect(q.reason).toContain('subject.storeName');
  });
});
