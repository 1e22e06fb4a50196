import { Client } from 'pg';
import { sampleComplaint } from '@xietong/contracts';
import { PersonalDataAccessRepository } from '@xietong/persistence';
import { eventually, startFederation, TEST_POSTGRES_URL, testSchemaPrefix, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';
const PLAIN = ['13812341234', '王小明', '11010519491231002X', '旌阳镇某小区3栋'];

describe('complainant personal data', () => {
  let h: Harness;
  const logs: string[] = [];
  const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

  beforeAll(async () => {
    // Capture everything the gateways log, at every level, for the whole exchange.
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => (
      logs.push(String(chunk)),
      writes.out(chunk, ...rest)
    )) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => (
      logs.push(String(chunk)),
      writes.err(chunk, ...rest)
    )) as typeof process.stderr.write;
    h = await startFederation({
      members: [JD, HZ],
      dialect: 'postgres',
      logLevels: ['log', 'warn', 'error', 'debug', 'verbose'],
    });
  });
  afterAll(async () => {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    await h?.close();
  });

  it('never appears in plain text in either database, in Kafka or in the logs', async () => {
    const sent = await h.post(JD, 'complaints', { recipient: HZ, body: sampleComplaint('JDTS-PII-1') });
    expect(sent.status).toBe(202);
    await eventually('receipt', async () => (await h.messages(JD).find(sent.json.messageId))?.status === 'accepted');
    // A refused submission must not echo the data either.
    const bad = await h.post(JD, 'complaints', {
      recipient: HZ,
      body: { ...sampleComplaint('JDTS-PII-2'), amountFen: 'lots' },
    });
    expect(bad.status).toBe(400);

    const pg = new Client({ connectionString: TEST_POSTGRES_URL });
    await pg.connect();
    try {
      const { rows: schemas } = await pg.query(
        `SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE $1`,
        [`${testSchemaPrefix(h.prefix)}%`],
      );
      expect(schemas.length).toBe(2);
      for (const { schema_name } of schemas) {
        for (const table of ['message', 'outbox', 'quarantine', 'case_file']) {
          const { rows } = await pg.query(`SELECT t::text AS row FROM "${schema_name}"."${table}" t`);
          const text = rows.map((r) => r.row).join('\n');
          for (const p of PLAIN)
            expect({ table, found: text.includes(p) || text.includes(Buffer.from(p).toString('hex')) }).toEqual({
              table,
              found: false,
            });
        }
      }
    } finally {
      await pg.end();
    }

    const consumer = h.kafka.consumer({ groupId: `${h.prefix}-pii-check` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${h.prefix}.inbox.${HZ}`, fromBeginning: true });
    const seen: Buffer[] = [];
    await consumer.run({
      eachMessage: async ({ message }) =>
        void seen.push(
          Buffer.concat([
            message.value ?? Buffer.alloc(0),
            ...Object.values(message.headers ?? {}).map((v) => Buffer.from(String(v))),
          ]),
        ),
    });
    await eventually('the complaint record', async () => seen.length > 0);
    await consumer.disconnect();
    for (const p of PLAIN) expect(seen.some((b) => b.includes(Buffer.from(p)))).toBe(false);

    expect(logs.length).toBeGreaterThan(0);
    for (const p of PLAIN) expect(logs.some((l) => l.includes(p))).toBe(false);
  });

  it("is readable through the API only by the handling agency's handler role, and each reading is recorded", async () => {
    await eventually(
      'complaint at 330100',
      async () => (await h.messages(HZ).list({ direction: 'in', correlationId: 'JDTS-PII-1' })).length > 0,
    );
    const path = '/api/v1/complaints/JDTS-PII-1/complainant';
    const read = await h.get(HZ, path, ['handler']);
    expect(read).toMatchObject({
      status: 200,
      json: { complainant: { name: '王小明', phone: '13812341234', idNumber: '11010519491231002X' } },
    });
    expect((await h.get(HZ, path, ['submitter'])).status).toBe(403);
    expect((await h.get(HZ, path, ['auditor'])).status).toBe(403);
    const atSender = await h.get(JD, path, ['handler']);
    expect(atSender).toMatchObject({
      status: 403,
      json: { message: expect.stringContaining('encrypted to that agency only') },
    });
    // Message views show it masked only: enough to tell complaints apart, not a recorded access.
    const [received] = await h.messages(HZ).list({ direction: 'in', correlationId: 'JDTS-PII-1' });
    const masked = await h.get(HZ, `/api/v1/messages/${received.messageId}`, ['auditor']);
    expect(masked.json.complainantMasked).toEqual({
      name: '王**',
      phone: '138****1234',
      idNumber: '110105********002X',
      address: '安徽省宣城市旌德县****',
    });
    expect(masked.json.body.complainant).toMatch(/^ey[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$/);
    const [sentRow] = await h.messages(JD).list({ direction: 'out', correlationId: 'JDTS-PII-1' });
    expect((await h.get(JD, `/api/v1/messages/${sentRow.messageId}`)).json.complainantMasked).toBeNull();
    for (const p of PLAIN) expect(JSON.stringify(masked.json).includes(p)).toBe(false);
    const accesses = await h.gateway(HZ).app.get(PersonalDataAccessRepository).forCase('JDTS-PII-1');
    expect(accesses).toEqual([
      expect.objectContaining({ subject: 'test-user', roles: 'handler', caseNo: 'JDTS-PII-1' }),
    ]);
  });
});
