import { DeadlineSupervisor } from '@xietong/exchange';
import { CaseRepository, Database, type CaseRecord } from '@xietong/persistence';
import { DIALECTS, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

/**
 * 督办 must reach every overdue case, however many there are: the supervisor used to take the
 * first 1,000 overdue cases by due date and drop the recently reminded ones in JS, so with more
 * than 1,000 recently reminded cases the later ones never got a reminder.
 */
describe.each(DIALECTS)('supervision reminders with 1,500 overdue cases on %s', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect, offline: [HZ] });
  });
  afterAll(() => h?.close());

  const now = new Date('2026-12-15T04:00:00Z');
  const caseNo = (i: number) => `JD-OVERDUE-${String(i).padStart(4, '0')}`;
  function overdueCase(i: number, lastReminderAt: Date | null): CaseRecord {
    const created = new Date('2026-11-02T02:00:00Z');
    return {
      kind: 'LEAD',
      caseNo: caseNo(i),
      partner: HZ,
      role: 'transferor',
      state: 'RECEIVED',
      riskTier: 'GENERAL',
      subject: null,
      receivedOn: '2026-11-02',
      clock: 'lead-feedback',
      clockStart: '2026-11-02',
      // The first cases are due earliest, so they lead the due-date order.
      dueOn: `2026-11-${String(10 + Math.floor(i / 100)).padStart(2, '0')}`,
      dueProvisional: false,
      reminders: lastReminderAt ? 1 : 0,
      lastReminderAt,
      flags: null,
      createdAt: created,
      updatedAt: lastReminderAt ?? created,
    };
  }

  it('reminds the cases behind 1,000 recently reminded ones, then all of them once the interval passed', async () => {
    const cases = h.gateway(JD).app.get(CaseRepository);
    const db = h.gateway(JD).app.get(Database);
    const recently = new Date(now.getTime() - 3_600_000);
    await db.transaction((em) =>
      cases.save(
        em,
        Array.from({ length: 1500 }, (_, i) => overdueCase(i, i < 1000 ? recently : null)),
      ),
    );
    const supervisor = h.gateway(JD).app.get(DeadlineSupervisor);

    const first = await supervisor.remindOverdue(now);
    expect(first.map((c) => c.caseNo).sort()).toEqual(Array.from({ length: 500 }, (_, i) => caseNo(1000 + i)));
    expect(await supervisor.remindOverdue(now)).toEqual([]);

    const dayLater = new Date(now.getTime() + 86_400_000);
    const second = await supervisor.remindOverdue(dayLater);
    expect(second).toHaveLength(1500);
    const rows = await cases.list({ role: 'transferor', overdueOn: '2026-12-31', limit: 2000 });
    expect(rows).toHaveLength(1500);
    expect(rows.filter((r) => r.reminders === 2)).toHaveLength(1500);
  });
});
