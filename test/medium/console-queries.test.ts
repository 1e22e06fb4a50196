import { PROTOCOL_TYPES } from '@xietong/contracts';
import {
  ConsoleQueryRepository,
  Database,
  MessageRepository,
  QuarantineRepository,
  type MessageRecord,
  type NewQuarantineRecord,
} from '@xietong/persistence';
import { DIALECTS, freshDatabase } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';
const NJ = '320100';
const at = (iso: string) => new Date(iso);

let n = 0;
function message(m: Partial<MessageRecord> & Pick<MessageRecord, 'direction' | 'type' | 'createdAt'>): MessageRecord {
  n++;
  return {
    messageId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    sender: m.direction === 'out' ? JD : HZ,
    recipient: m.direction === 'out' ? HZ : JD,
    zone: 'yrd',
    correlationId: 'JD-CQ-1',
    causationId: null,
    bodySchema: '00',
    body: '{}',
    status: 'accepted',
    reasonCode: null,
    reason: null,
    receiptAt: null,
    signature: null,
    manifestSerial: 1,
    sentAt: null,
    receivedAt: null,
    ...m,
  } as MessageRecord;
}

function quarantined(reasonCode: string, receivedAt: Date): NewQuarantineRecord {
  return {
    reasonCode,
    reason: `refused: ${reasonCode}`,
    topic: `xietong.inbox.${JD}`,
    partition: 0,
    offset: String(receivedAt.getTime()),
    recordKey: null,
    value: Buffer.from('bytes'),
    headers: '{}',
    messageId: null,
    claimedSender: HZ,
    type: null,
    receivedAt,
    deadLettered: false,
  } as unknown as NewQuarantineRecord;
}

/** The console's reads (libs/console has no SQL of its own) on both databases. */
describe.each(DIALECTS)('ConsoleQueryRepository on %s', (dialect) => {
  let db: Database;
  let repo: ConsoleQueryRepository;
  let quarantineIds: string[];

  beforeAll(async () => {
    db = await Database.open(freshDatabase(dialect, 'console_queries'));
    repo = new ConsoleQueryRepository(db);
    const messages = new MessageRepository(db);
    const quarantine = new QuarantineRepository(db);
    await db.transaction(async (em) => {
      await messages.insertMany(em, [
        message({ direction: 'out', type: 'LEAD', createdAt: at('2026-11-02T02:00:00Z') }),
        message({
          direction: 'out',
          type: 'LEAD',
          recipient: NJ,
          status: 'failed',
          createdAt: at('2026-11-03T02:00:00Z'),
        }),
        message({ direction: 'out', type: 'RECEIPT', createdAt: at('2026-11-03T03:00:00Z') }),
        // Two results about the same lead: the first one counts.
        message({
          direction: 'in',
          type: 'CASE_RESULT',
          createdAt: at('2026-11-06T02:00:00Z'),
          receivedAt: at('2026-11-06T02:00:01Z'),
        }),
        message({
          direction: 'in',
          type: 'CASE_RESULT',
          createdAt: at('2026-11-05T02:00:00Z'),
          receivedAt: at('2026-11-05T02:00:01Z'),
        }),
        // Outside the period asked for below.
        message({ direction: 'out', type: 'LEAD', createdAt: at('2026-12-01T02:00:00Z') }),
      ]);
      quarantineIds = await quarantine.insertMany(em, [
        quarantined('SIGNATURE_INVALID', at('2026-11-02T02:00:00Z')),
        quarantined('SIGNATURE_INVALID', at('2026-11-03T02:00:00Z')),
        quarantined('MALFORMED', at('2026-11-04T02:00:00Z')),
      ]);
      await quarantine.markReplayed(em, quarantineIds[0], 'admin-1', at('2026-11-05T02:00:00Z'));
    });
  });
  afterAll(() => db?.close());

  it('reads the business messages of a period, protocol messages left out, or those of one type', async () => {
    const from = at('2026-11-01T00:00:00+08:00');
    const to = at('2026-12-01T00:00:00+08:00');
    const business = await repo.flowRows(from, to, { excludedTypes: PROTOCOL_TYPES });
    expect(business.map((r) => r.type)).toEqual(['LEAD', 'LEAD', 'CASE_RESULT', 'CASE_RESULT']);
    const results = await repo.flowRows(from, to, { type: 'CASE_RESULT', excludedTypes: PROTOCOL_TYPES });
    expect(results).toHaveLength(2);
  });

  it('finds when the first result about each lead arrived', async () => {
    const firsts = await repo.firstCaseResults();
    expect([...firsts.keys()]).toEqual([`${HZ}/JD-CQ-1`]);
    expect(firsts.get(`${HZ}/JD-CQ-1`)).toEqual(at('2026-11-05T02:00:01Z'));
  });

  it('pages messages newest first, a partner matching either side, with the status filter', async () => {
    const page = await repo.messagePage({ limit: 2, offset: 0 });
    expect(page.map((m) => m.createdAt)).toEqual([at('2026-12-01T02:00:00Z'), at('2026-11-06T02:00:00Z')]);
    expect(page[0]).not.toHaveProperty('body');
    const nanjing = await repo.messagePage({ partner: NJ, limit: 10, offset: 0 });
    expect(nanjing.map((m) => m.recipient)).toEqual([NJ]);
    const failed = await repo.messagePage({ direction: 'out', status: 'failed', limit: 10, offset: 0 });
    expect(failed).toHaveLength(1);
    const fromHangzhou = await repo.messagePage({ partner: HZ, direction: 'in', limit: 10, offset: 1 });
    expect(fromHangzhou).toHaveLength(1);
  });

  it('pages the quarantine by reason and replay state, and counts it per reason', async () => {
    const all = await repo.quarantinePage({ limit: 10, offset: 0 });
    expect(all.map((q) => q.reasonCode)).toEqual(['MALFORMED', 'SIGNATURE_INVALID', 'SIGNATURE_INVALID']);
    // SQLite hands the bigint id back as a number, PostgreSQL as a string: compare them as text.
    const ids = async (f: Parameters<ConsoleQueryRepository['quarantinePage']>[0]) =>
      (await repo.quarantinePage(f)).map((q) => [String(q.id), q.replayedBy]);
    expect(await ids({ reasonCode: 'SIGNATURE_INVALID', replayed: false, limit: 10, offset: 0 })).toEqual([
      [String(quarantineIds[1]), null],
    ]);
    expect(await ids({ replayed: true, limit: 10, offset: 0 })).toEqual([[String(quarantineIds[0]), 'admin-1']]);
    expect(await repo.quarantineCounts()).toEqual([
      { reasonCode: 'MALFORMED', n: 1 },
      { reasonCode: 'SIGNATURE_INVALID', n: 2 },
    ]);
    expect((await repo.quarantined(quarantineIds[2]))?.reasonCode).toBe('MALFORMED');
    expect(await repo.quarantined('999999')).toBeNull();
  });
});
