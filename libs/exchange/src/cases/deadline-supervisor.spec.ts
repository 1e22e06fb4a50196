import { Test } from '@nestjs/testing';
import { CaseRepository, caseKey, type CaseRecord } from '@xietong/persistence';
import { WorkingDayCalendar } from '@xietong/workflow';
import { SubmitMessageUseCase } from '../outbound/submit-message.use-case';
import type { SubmitMessageCommand } from '../outbound/submit-message.command';
import { Logs, provideValue, SchedulerSettings } from '../tokens';
import { DeadlineSupervisor } from './deadline-supervisor';

// Monday 2026-11-30, 10:00 in Asia/Shanghai.
const now = new Date('2026-11-30T02:00:00Z');

const overdue = (i: number, over: Partial<CaseRecord> = {}): CaseRecord => ({
  kind: 'LEAD',
  caseNo: `L-${i}`,
  partner: i % 2 ? '330100' : '320100',
  role: 'transferor',
  state: 'RECEIVED',
  riskTier: null,
  subject: null,
  receivedOn: '2026-10-20',
  clock: 'lead-feedback',
  clockStart: '2026-10-20',
  dueOn: '2026-11-20',
  dueProvisional: false,
  reminders: 0,
  lastReminderAt: null,
  flags: null,
  createdAt: now,
  updatedAt: now,
  ...over,
});

/**
 * The case files in memory, listed as the SQL does: overdue transferor cases not reminded since
 * `remindableAt`, a page at a time. A submitted reminder records itself on its case unless `forgetful`.
 */
function world(cases: CaseRecord[], forgetful = false) {
  const files = new Map(cases.map((c) => [caseKey(c), c]));
  const sent: SubmitMessageCommand[][] = [];
  const repo = {
    list: jest.fn(async (f: { overdueOn: string; remindableAt: Date; limit: number }) =>
      [...files.values()]
        .filter((c) => c.dueOn! < f.overdueOn && (!c.lastReminderAt || c.lastReminderAt <= f.remindableAt))
        .slice(0, f.limit),
    ),
  };
  const submit = {
    executeMany: jest.fn(async (commands: SubmitMessageCommand[], asOf: Date) => {
      sent.push(commands);
      if (forgetful) return [];
      for (const c of commands) {
        const key = caseKey({ kind: String(c.body.kind), caseNo: c.correlationId, partner: c.recipient! });
        const file = files.get(key)!;
        files.set(key, { ...file, reminders: file.reminders + 1, lastReminderAt: asOf });
      }
      return [];
    }),
  };
  return { repo, submit, sent };
}

async function supervisor(w: ReturnType<typeof world>, lines: string[] = []): Promise<DeadlineSupervisor> {
  const module = await Test.createTestingModule({
    providers: [
      DeadlineSupervisor,
      provideValue(CaseRepository, w.repo as unknown as CaseRepository),
      provideValue(SubmitMessageUseCase, w.submit as unknown as SubmitMessageUseCase),
      provideValue(WorkingDayCalendar, WorkingDayCalendar.load()),
      provideValue(SchedulerSettings, { intervalMs: 60_000, reminderIntervalHours: 24 }),
      provideValue(Logs, (context) => (level, message) => lines.push(`${context} ${level}: ${message}`)),
    ],
  }).compile();
  return module.get(DeadlineSupervisor);
}

describe('DeadlineSupervisor.remindOverdue', () => {
  it('sends each overdue case a REMINDER to its partner, built from its clock', async () => {
    const w = world([overdue(1, { reminders: 2, dueProvisional: true }), overdue(2, { dueOn: '2026-12-01' })]);
    const lines: string[] = [];
    const reminded = await (await supervisor(w, lines)).remindOverdue(now);

    expect(reminded.map((c) => c.caseNo)).toEqual(['L-1']);
    expect(w.repo.list).toHaveBeenCalledWith({
      role: 'transferor',
      overdueOn: '2026-11-30',
      remindableAt: new Date('2026-11-29T02:00:00Z'),
      limit: 1000,
    });
    const [[reminder]] = w.sent;
    expect(reminder).toMatchObject({ type: 'REMINDER', recipient: '330100', correlationId: 'L-1' });
    expect(reminder.body).toEqual({
      caseNo: 'L-1',
      kind: 'LEAD',
      clock: 'lead-feedback',
      dueDate: '2026-11-20',
      overdueWorkingDays: WorkingDayCalendar.load().workingDaysBetween('2026-11-20', '2026-11-30'),
      sequence: 3,
      note: expect.stringMatching(/L-1: lead-feedback was due 2026-11-20 \(provisional\)$/),
    });
    expect(w.submit.executeMany).toHaveBeenCalledWith([reminder], now);
    expect(lines).toEqual(['Deadlines log: sent 1 supervision reminder(s): L-1']);
  });

  it('reminds all 1,500 overdue cases, a page of 1,000 at a time', async () => {
    const w = world(Array.from({ length: 1500 }, (_, i) => overdue(i)));
    const lines: string[] = [];
    const reminded = await (await supervisor(w, lines)).remindOverdue(now);
    expect(reminded).toHaveLength(1500);
    expect(w.sent.map((page) => page.length)).toEqual([1000, 500]);
    expect(new Set(w.sent.flat().map((c) => c.correlationId)).size).toBe(1500);
    expect(lines[0]).toMatch(/^Deadlines log: sent 1500 supervision reminder\(s\): L-0, L-1, .*, L-19, \.\.\.$/);
  });

  it('stops after one page when reminding does not record the cases, rather than loop', async () => {
    const w = world(
      Array.from({ length: 1200 }, (_, i) => overdue(i)),
      true,
    );
    const reminded = await (await supervisor(w)).remindOverdue(now);
    expect(reminded).toHaveLength(1000);
    expect(w.submit.executeMany).toHaveBeenCalledTimes(1);
  });

  it('sends nothing and logs nothing when no case is overdue', async () => {
    const w = world([overdue(1, { dueOn: '2026-12-31' })]);
    const lines: string[] = [];
    expect(await (await supervisor(w, lines)).remindOverdue(now)).toEqual([]);
    expect(w.submit.executeMany).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });
});
