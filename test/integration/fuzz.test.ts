import fc from 'fast-check';
import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
import { sampleLead, validateBody } from '@xietong/contracts';
import { RecordVerifier, WireCodec } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { HEADERS, type InboundRecord } from '@xietong/messaging';
import { eventually, RecordForge, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';
const RUNS = Number(process.env.XIETONG_FUZZ_RUNS ?? 100_000);

describe('hostile records: property-based fuzzing of the inbound path', () => {
  let h: Harness;
  let forge: RecordForge;
  let valid: { value: Buffer; headers: Record<string, string> };

  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'postgres' });
    forge = new RecordForge(h);
    valid = await forge.forge({ from: JD, to: HZ, type: 'LEAD', body: sampleLead('FUZZ-BASE') });
  });
  afterAll(async () => {
    await forge?.close();
    await h?.close();
  });

  /** Random bytes, or a valid record mutated: bit flips, cuts, extensions, splices, header changes. */
  const hostile = () => {
    const bytes = fc.uint8Array({ minLength: 0, maxLength: 600 }).map((b) => Buffer.from(b));
    const mutated = fc
      .tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(), fc.uint8Array({ maxLength: 40 }), fc.constantFrom('flip', 'cut', 'extend', 'splice'))
      .map(([flips, at, extra, how]) => {
        const v = Buffer.from(valid.value);
        if (how === 'cut') return v.subarray(0, at % v.length);
        if (how === 'extend') return Buffer.concat([v, Buffer.from(extra.length ? extra : [0])]);
        if (how === 'splice') return Buffer.concat([v.subarray(0, at % v.length), Buffer.from(extra), v.subarray(at % v.length)]);
        for (const [i, x] of flips) v[i % v.length] ^= x;
        return v;
      });
    const headers = fc.oneof(
      fc.constant(valid.headers),
      fc.constant({}),
      fc.string({ maxLength: 200 }).map((s) => ({ [HEADERS.signature]: s })),
      fc.string({ maxLength: 60 }).map((s) => ({ [HEADERS.signature]: `${Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: s })).toString('base64url')}..${valid.headers[HEADERS.signature].split('.')[2]}` })),
    );
    return fc.record({ value: fc.oneof(bytes, mutated), headers });
  };

  it(`never throws on ${RUNS.toLocaleString('en')} random and mutated records and always names a reason`, async () => {
    const verifier = new RecordVerifier(new WireCodec(join(repoRoot(), 'schemas')), HZ);
    const federation = h.gateway(HZ).app.get(ManifestStore).federation;
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(hostile(), async ({ value, headers }) => {
        const record: InboundRecord = { topic: 't', partition: 0, offset: '0', key: null, value, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])) };
        const r = await verifier.verify(record, federation);
        const untouched = value.equals(valid.value) && headers === valid.headers;
        if (r.ok) return untouched;
        seen.set(r.code, (seen.get(r.code) ?? 0) + 1);
        return typeof r.code === 'string' && r.detail.length > 0;
      }),
      { numRuns: RUNS, seed: 20261127 },
    );
    // The mutations reach every layer of the checks, not just the first.
    expect([...seen.keys()]).toEqual(expect.arrayContaining(['MALFORMED', 'SIGNATURE_INVALID', 'SIGNATURE_MISSING', 'UNKNOWN_KEY']));
  });

  it('quarantines a stream of hostile records through the real broker and still delivers the good ones behind them', async () => {
    const samples = fc.sample(hostile(), { numRuns: 500, seed: 7 }).filter((s) => !(s.value.equals(valid.value) && s.headers === valid.headers));
    const goods = [];
    for (let i = 0; i < 5; i++) goods.push(await forge.forge({ from: JD, to: HZ, type: 'LEAD', body: validateBody(forge.codec.local.latest('LEAD').avroType, sampleLead(`FUZZ-GOOD-${i}`)) }));
    await forge.send(HZ, [...samples.map((s) => ({ value: s.value, headers: s.headers, key: 'fuzz' })), ...goods.map((g) => ({ ...g, key: 'fuzz' }))]);
    for (const g of goods) await eventually(`good record ${g.messageId}`, () => h.messages(HZ).find(g.messageId));
    const quarantined = await eventually('all hostile records quarantined', async () => {
      const counts = await h.quarantine(HZ).countsByReason();
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      return total >= samples.length ? counts : undefined;
    });
    expect(Object.keys(quarantined).length).toBeGreaterThan(1);
    const health = await fetch(`${h.gateway(HZ).url}/health`);
    expect(health.status).toBe(200);
  });
});
