// SQLite keeps instants as UTC text without a zone; reading that text as local time put every
// recorded access 8 hours off on a machine set to Asia/Shanghai (the medium tier runs in that
// zone: test/medium/shanghai-environment.js).
import { Database, PersonalDataAccessRepository } from '@xietong/persistence';
import { DIALECTS, freshDatabase } from '@xietong/testing';

describe.each(DIALECTS)('personal-data access log on %s, machine in Asia/Shanghai', (dialect) => {
  let db: Database;
  beforeAll(async () => {
    db = await Database.open(freshDatabase(dialect, 'pda'));
  });
  afterAll(() => db?.close());

  it('reads back the instant it recorded', async () => {
    expect(new Date('2026-11-30T00:00:00Z').getTimezoneOffset()).toBe(-480);
    const repo = new PersonalDataAccessRepository(db);
    const accessedAt = new Date('2026-11-30T01:02:03.456Z');
    await repo.record({
      messageId: '00000000-0000-4000-8000-000000000001',
      caseNo: 'JDTS-TZ-1',
      subject: 'handler-1',
      roles: 'handler',
      ip: '127.0.0.1',
      accessedAt,
    });
    const [row] = await repo.forCase('JDTS-TZ-1');
    expect(row.accessedAt.toISOString()).toBe(accessedAt.toISOString());
  });
});
