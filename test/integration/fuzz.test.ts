import fc from 'fast-check';
import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
import { sampleLead, validateBody } from '@xietong/contracts';
import { RecordVerifier, WireCodec } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import type { InboundRecord } from '@xietong/messaging';
import { eventually, hostileRecords, isUntouched, RecordForge, startFederation, type Harness } from '@xietong/testing';

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

  const hostile = () => hostileRecords(valid);

  it(`never throws on ${RUNS.toLocaleString('en')} random and mutated records and always names a reason`, async () => {
    const verifier = new RecordVerifier(new WireCodec(join(repoRoot(), 'schemas')), HZ);
    const federation = h.gateway(HZ).app.get(ManifestStore).federation;
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(hostile(), async ({ value, headers }) => {
        const record: InboundRecord = {
          topic: 't',
          partition: 0,
          offset: '0',
          key: null,
          value,
          headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
        };
        const r = await verifier.verify(record, federation);
        const untouched = isUntouched({ value, headers }, valid);
        if (r.ok) return untouched;
        seen.set(r.code, (seen.get(r.code) ?? 0) + 1);
        return typeof r.code === 'string' && r.detail.length > 0;
      }),
      { numRuns: RUNS, seed: 20261127 },
    );
    // The mutations reach every layer of the checks, not just the first.
    expect([...seen.keys()]).toEqual(
      expect.arrayContaining(['MALFORMED', 'SIGNATURE_INVALID', 'SIGNATURE_MISSING', 'UNKNOWN_KEY']),
    );
  });

  it('quarantines a stream of hostile records through the real broker and still delivers the good ones behind them', async () => {
    const samples = fc.sample(hostile(), { numRuns: 500, seed: 7 }).filter((s) => !isUntouched(s, valid));
    const goods = [];
    for (let i = 0; i < 5; i++)
      goods.push(
        await forge.forge({
          from: JD,
          to: HZ,
          type: 'LEAD',
          body: validateBody(forge.codec.local.latest('LEAD').avroType, sampleLead(`FUZZ-GOOD-${i}`)),
        }),
      );
    await forge.send(HZ, [
      ...samples.map((s) => ({ value: s.value, headers: s.headers, key: 'fuzz' })),
      ...goods.map((g) => ({ ...g, key: 'fuzz' })),
    ]);
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
