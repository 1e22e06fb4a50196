import { recordingDatabase } from '../../../test/support/recording-database';
import { CaseRepository, caseKey } from './case.repository';

const rawCase = (caseNo: string, partner: string) => ({
  kind: 'LEAD',
  case_no: caseNo,
  partner,
  role: 'transferor',
  state: 'SENT',
  risk_tier: null,
  subject: null,
  received_on: null,
  clock: 'lead-feedback',
  clock_start: '2026-11-03',
  due_on: '2026-11-20',
  due_provisional: 1,
  reminders: '2',
  last_reminder_at: '2026-11-25 01:00:00.000',
  created_at: '2026-11-02 02:00:00.000',
  updated_at: '2026-11-02 02:00:00.000',
  flags: null,
});

describe('CaseRepository', () => {
  it('loads only the keys asked for, though the lookup by number returns every partner', async () => {
    const { db, em } = recordingDatabase('better-sqlite3', () => [
      rawCase('JD-1', '330100'),
      rawCase('JD-1', '320100'),
    ]);
    const found = await new CaseRepository(db).load(em, [{ kind: 'LEAD', caseNo: 'JD-1', partner: '330100' }]);
    expect([...found.keys()]).toEqual(['LEAD/JD-1/330100']);
    expect(found.get('LEAD/JD-1/330100')).toMatchObject({
      dueProvisional: true,
      reminders: 2,
      lastReminderAt: new Date('2026-11-25T01:00:00.000Z'),
      createdAt: new Date('2026-11-02T02:00:00.000Z'),
    });
  });

  it('asks once per kind with the distinct case numbers of that kind', async () => {
    const { db, em, queries } = recordingDatabase('postgres');
    await new CaseRepository(db).load(em, [
      { kind: 'LEAD', caseNo: 'JD-1', partner: '330100' },
      { kind: 'LEAD', caseNo: 'JD-1', partner: '320100' },
      { kind: 'COMPLAINT', caseNo: 'TS-1', partner: '330100' },
    ]);
    expect(queries.map((q) => q.args)).toEqual([
      ['LEAD', 'JD-1'],
      ['COMPLAINT', 'TS-1'],
    ]);
  });

  it('returns the files with one number ordered by partner', async () => {
    const { db } = recordingDatabase('postgres', () => [rawCase('JD-1', '330100'), rawCase('JD-1', '320100')]);
    const rows = await new CaseRepository(db).find('LEAD', 'JD-1');
    expect(rows.map(caseKey)).toEqual(['LEAD/JD-1/320100', 'LEAD/JD-1/330100']);
  });

  it('asks which numbers several partners share once per kind, and names them kind/number', async () => {
    const { db, queries } = recordingDatabase('postgres', () => [{ case_no: 'JD-1' }]);
    const shared = await new CaseRepository(db).sharedNumbers([
      { kind: 'LEAD', caseNo: 'JD-1' },
      { kind: 'LEAD', caseNo: 'JD-2' },
      { kind: 'LEAD', caseNo: 'JD-1' },
    ]);
    expect([...shared]).toEqual(['LEAD/JD-1']);
    expect(queries.map((q) => q.args)).toEqual([['LEAD', 'JD-1', 'JD-2']]);
    expect(queries[0].sql).toMatch(/HAVING COUNT\(\*\) > 1/);
  });

  it('upserts whole rows, replacing every column but the key', async () => {
    const { db, em, queries } = recordingDatabase('postgres');
    const at = new Date('2026-11-02T02:00:00.000Z');
    await new CaseRepository(db).save(em, [
      {
        kind: 'LEAD',
        caseNo: 'JD-1',
        partner: '330100',
        role: 'transferor',
        state: 'SENT',
        riskTier: null,
        subject: null,
        receivedOn: null,
        clock: null,
        clockStart: null,
        dueOn: null,
        dueProvisional: false,
        reminders: 0,
        lastReminderAt: null,
        flags: '[]',
        createdAt: at,
        updatedAt: at,
      },
    ]);
    const { sql } = queries[0];
    expect(sql).toMatch(/ON CONFLICT \("kind", "case_no", "partner"\) DO UPDATE SET /);
    const set = sql.slice(sql.indexOf('DO UPDATE SET'));
    expect(set).not.toMatch(/"(kind|case_no|partner)" =/);
    expect(set).toContain('"flags" = excluded."flags"');
    expect(set).toContain('"updated_at" = excluded."updated_at"');
  });
});
