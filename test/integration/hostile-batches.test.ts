import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
import { sampleLead } from '@xietong/contracts';
import { HEADERS } from '@xietong/messaging';
import {
  brokers,
  eventually,
  receiptItems,
  RecordForge,
  startFederation,
  type Harness,
  type TestDialect,
} from '@xietong/testing';

const JD = '341825';
const HZ = '330100';
const NJ = '320100';

/**
 * Issue 21's reproduced halts: one record written by a partner into 旌德's inbox stopped every later
 * record of the partition for good. Each case here writes such a record with an independent producer
 * (librdkafka through Debian's python3-confluent-kafka: kafkajs cannot write these codecs), then 南京
 * submits a valid lead to 旌德, which must be accepted within 30 s.
 */
interface Written {
  key?: Buffer | null;
  value: Buffer;
  headers?: Record<string, string | Buffer>;
}

function writeRaw(topic: string, compression: string, records: (Written | { zeros: number })[]) {
  const spec = {
    brokers: brokers(),
    topic,
    compression,
    records: records.map((r) =>
      'zeros' in r
        ? r
        : {
            key: r.key === null ? null : (r.key ?? Buffer.from('forged')).toString('base64'),
            value: r.value.toString('base64'),
            headers: Object.fromEntries(
              Object.entries(r.headers ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
            ),
          },
    ),
  };
  const out = execFileSync('/usr/bin/python3', [join(repoRoot(), 'test/support/raw-producer.py')], {
    input: JSON.stringify(spec),
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const result = JSON.parse(out.trim().split('\n').at(-1)!) as { delivered: number; errors: string[] };
  expect(result).toMatchObject({ errors: [] });
  return result;
}

describe.each<TestDialect>(['postgres', 'sqlite'])('what a partner writes into an inbox (%s)', (dialect) => {
  let h: Harness;
  let forge: RecordForge;
  let n = 0;
  const inbox = () => `${h.prefix}.inbox.${JD}`;

  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ, NJ], dialect });
    forge = new RecordForge(h);
  });
  afterAll(async () => {
    await forge?.close();
    await h?.close();
  });

  /** 南京 submits a lead to 旌德; resolves once 旌德 stored it (the partition moved on). */
  async function otherMembersLeadArrives(): Promise<void> {
    const leadNo = `NJ-${dialect}-${++n}`;
    const res = await h.post(NJ, 'leads', { recipient: JD, body: sampleLead(leadNo, n) });
    expect(res.status).toBe(202);
    await eventually(
      `南京's lead ${leadNo} stored at 旌德`,
      async () => (await h.messages(JD).find(res.json.messageId)) !== null,
      30_000,
    );
  }

  async function signedLeadFromHangzhou(leadNo: string) {
    return forge.forge({ from: HZ, to: JD, type: 'LEAD', body: sampleLead(leadNo, 3) });
  }

  // The codecs and the bomb touch no database: PostgreSQL is enough for them.
  const codecs = dialect === 'postgres' ? ['gzip', 'snappy', 'lz4', 'zstd'] : [];
  if (codecs.length > 0)
    it.each(codecs)('reads a %s-compressed batch and moves on', async (codec) => {
      const record = await signedLeadFromHangzhou(`HZ-${codec}-1`);
      writeRaw(inbox(), codec, [{ key: Buffer.from(`HZ-${codec}-1`), value: record.value, headers: record.headers }]);
      await otherMembersLeadArrives();
      // The compressed lead itself was read, verified and stored like any other.
      await eventually(
        `杭州's ${codec} lead stored`,
        async () => (await h.messages(JD).find(record.messageId)) !== null,
      );
    });

  if (dialect === 'postgres') {
    it('quarantines a gzip bomb (a batch inflating past the limit) and moves on', async () => {
      const before = (await h.quarantine(JD).list()).length;
      // 100 MiB of zeros: about 100 KiB compressed, within the broker's max.message.bytes.
      writeRaw(inbox(), 'gzip', [{ zeros: 100 * 1024 * 1024 }]);
      await otherMembersLeadArrives();
      const rows = await h.quarantine(JD).list();
      expect(rows.length).toBe(before + 1);
      expect(rows[0]).toMatchObject({ reasonCode: 'MALFORMED' });
      expect(rows[0].reason).toMatch(/gzip batch could not be inflated: inflates past \d+ bytes/);
      // What could be kept: the compressed bytes, not the inflated ones.
      expect(rows[0].value!.length).toBeLessThan(1024 * 1024);
    });
  }

  it('quarantines a record whose key holds U+0000 and moves on', async () => {
    writeRaw(inbox(), 'none', [{ key: Buffer.from('a\u0000b'), value: Buffer.from('0123456789'.repeat(4) + 'x') }]);
    await otherMembersLeadArrives();
    const [row] = await h.quarantine(JD).list();
    expect(row).toMatchObject({ reasonCode: 'MALFORMED', recordKey: 'a\\u0000b' });
  });

  it.each([
    ['kid', (h: Record<string, unknown>) => ({ ...h, kid: 'k\u0000ey' })],
    ['alg', (h: Record<string, unknown>) => ({ ...h, alg: 'Ed\u0000DSA' })],
  ])('quarantines a record whose JWS %s holds U+0000, and its sender takes the rejection', async (field, change) => {
    const record = await signedLeadFromHangzhou(`HZ-nul-${field}-${dialect}`);
    const [protectedB64, , sig] = record.headers[HEADERS.signature].split('.');
    const header = change(JSON.parse(Buffer.from(protectedB64, 'base64url').toString('utf8')));
    const jws = `${Buffer.from(JSON.stringify(header)).toString('base64url')}..${sig}`;
    writeRaw(inbox(), 'none', [{ value: record.value, headers: { [HEADERS.signature]: jws } }]);
    await otherMembersLeadArrives();
    const rows = await h.quarantine(JD).list();
    const row = rows.find((r) => r.messageId === record.messageId);
    expect(row?.reason).toContain('\\u0000');
    expect(row?.reason).not.toContain('\u0000');
    // The rejection receipt 旌德 sends the claimed sender quotes the field: 杭州 must be able to store it.
    await eventually(`杭州 stores 旌德's rejection of the record`, async () =>
      (await receiptItems(h.messages(HZ), 'in')).some(
        (i) => i.messageId === record.messageId && i.status === 'REJECTED',
      ),
    );
    expect((await h.quarantine(HZ).list()).filter((r) => r.claimedSender === JD)).toEqual([]);
  });
});
