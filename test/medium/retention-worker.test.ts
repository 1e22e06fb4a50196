// The retention worker on a real database: aged rows of the classes that need no archive go in
// batches of the configured size, newer rows stay, a dry run changes nothing, and the run is
// recorded in the tally /metrics reads and in the audit log.
import { loadRetentionConfig } from '@xietong/config';
import { generateSigningKey, importSigningKey } from '@xietong/crypto';
import { NothingArchived, PersonalDataErasure, RetentionWorker, silentLogs } from '@xietong/exchange';
import {
  AuditRepository,
  Database,
  OutboxRepository,
  PersonalDataAccessRepository,
  QuarantineRepository,
  RetentionRepository,
} from '@xietong/persistence';
import { DIALECTS, freshDatabase } from '@xietong/testing';

const DAY = 86_400_000;
const NOW = new Date('2027-06-01T00:00:00Z');

describe.each(DIALECTS)('retention worker on %s', (dialect) => {
  let db: Database;
  let worker: RetentionWorker;
  let repo: RetentionRepository;
  const settings = { ...loadRetentionConfig({}), batchSize: 3 };

  beforeAll(async () => {
    db = await Database.open(freshDatabase(dialect, 'ret'));
    repo = new RetentionRepository(db);
    const audit = new AuditRepository(db);
    const pair = await generateSigningKey('EdDSA', 'k1');
    const signer = { kid: 'k1', alg: 'EdDSA' as const, key: await importSigningKey(pair.privateJwk, 'EdDSA') };
    const eraser = new PersonalDataErasure(db, repo, audit, '341825', signer);
    worker = new RetentionWorker(settings, repo, eraser, new NothingArchived(), audit, db, silentLogs);
    const quarantined = (i: number, ageDays: number) => ({
      reasonCode: 'MALFORMED',
      reason: 'test',
      topic: 'inbox',
      partition: 0,
      offset: String(i),
      recordKey: null,
      value: Buffer.from(`raw ${i}`),
      headers: '{}',
      messageId: null,
      claimedSender: null,
      type: null,
      receivedAt: new Date(NOW.getTime() - ageDays * DAY),
      deadLettered: true,
    });
    await db.transaction(async (em) => {
      // 7 quarantined records past 180 days, 2 within.
      await new QuarantineRepository(db).insertMany(em, [
        ...Array.from({ length: 7 }, (_, i) => quarantined(i, 200 + i)),
        quarantined(7, 10),
        quarantined(8, 179),
      ]);
      await new OutboxRepository(db).insertMany(
        em,
        [{ messageId: '00000000-0000-4000-8000-00000000000f', topic: 't', recordKey: 'k', value: Buffer.from('x') }],
        new Date(NOW.getTime() - 40 * DAY),
      );
      await em.query(`UPDATE outbox SET status = 'failed'`);
    });
    const access = new PersonalDataAccessRepository(db);
    for (const ageDays of [1200, 1100, 30])
      await access.record({
        messageId: '00000000-0000-4000-8000-000000000001',
        caseNo: 'JDTS-RET-M',
        subject: 'handler',
        roles: 'handler',
        ip: '127.0.0.1',
        accessedAt: new Date(NOW.getTime() - ageDays * DAY),
      });
  });
  afterAll(() => db?.close());

  const count = async (table: string) =>
    Number(((await db.manager.query(`SELECT COUNT(*) AS n FROM ${table}`)) as { n: string | number }[])[0].n);

  it('reports in a dry run what it would delete, and deletes nothing', async () => {
    const report = await worker.run({ now: NOW, dryRun: true });
    expect(report.deleted).toEqual({ quarantine: 7, 'access-records': 2, 'queue-rows': 1, 'consumer-logs': 0 });
    expect(await count('quarantine')).toBe(9);
    expect(await new RetentionRepository(db).tally()).toEqual([]);
  });

  it('deletes the aged rows in batches, keeps the newer ones and what needs an archive, and records the run', async () => {
    const batches = jest.spyOn(repo, 'deleteOlder');
    const report = await worker.run({ now: NOW });
    // 7 aged quarantine rows in batches of 3: 3, 3, 1.
    expect(batches.mock.calls.filter(([table]) => table === 'quarantine')).toHaveLength(3);
    batches.mockRestore();
    expect(report.deleted).toEqual({ quarantine: 7, 'access-records': 2, 'queue-rows': 1, 'consumer-logs': 0 });
    expect(report.kept.map((k) => `${k.class}: ${k.reason}`)).toEqual([
      'records: not archived yet',
      'receipts: not archived yet',
      'audit: not archived yet',
    ]);
    expect(await count('quarantine')).toBe(2);
    expect(await count('personal_data_access')).toBe(1);
    expect(await count('outbox')).toBe(0);
    const tally = Object.fromEntries((await new RetentionRepository(db).tally()).map((t) => [t.class, t.total]));
    expect(tally).toMatchObject({ quarantine: 7, 'access-records': 2, 'queue-rows': 1, 'personal-data': 0 });
    const audit = new AuditRepository(db);
    await audit.chainPending();
    const kinds: string[] = [];
    for await (const e of audit.entries()) kinds.push(e.kind);
    expect(kinds).toContain('RETENTION_RUN');
    // A second run finds nothing left and adds nothing.
    expect((await worker.run({ now: NOW })).deleted.quarantine).toBe(0);
  });
});
