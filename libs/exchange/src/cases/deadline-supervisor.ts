import { PeriodicTask } from '../periodic-task';
import { Injectable } from '@nestjs/common';
import { CASE_KIND_LABELS } from '@xietong/contracts';
import { caseKey, CaseRepository, type CaseRecord } from '@xietong/persistence';
import { shanghaiDate, WorkingDayCalendar } from '@xietong/workflow';
import { SubmitMessageCommand } from '../outbound/submit-message.command';
import { SubmitMessageUseCase } from '../outbound/submit-message.use-case';
import { Logs, SchedulerSettings, type Log } from '../tokens';

/** Overdue cases reminded per transaction. */
const PAGE = 1000;

/**
 * The scheduler role's periodic work. 督办: finds the items a partner is late on (the clock of a case this agency transferred ran out)
 * and sends the partner a signed REMINDER, at most once per configured interval per case.
 */
@Injectable()
export class DeadlineSupervisor {
  private readonly loop: PeriodicTask;
  private readonly log: Log;

  constructor(
    private readonly cases: CaseRepository,
    private readonly submit: SubmitMessageUseCase,
    private readonly calendar: WorkingDayCalendar,
    private readonly settings: SchedulerSettings,
    logs: Logs,
  ) {
    this.log = logs('Deadlines');
    this.loop = new PeriodicTask(
      () => this.remindOverdue(),
      settings.intervalMs,
      (e) => this.log('error', `deadline check failed: ${e.message}`),
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * Sends the reminders due at `now`; returns the cases reminded. Pages of {@link PAGE} cases,
   * filtered in SQL on the last reminder, until none is left: however many cases are overdue,
   * each gets its reminder.
   */
  async remindOverdue(now = new Date()): Promise<CaseRecord[]> {
    const today = shanghaiDate(now);
    const remindableAt = new Date(now.getTime() - this.settings.reminderIntervalHours * 3_600_000);
    const reminded: CaseRecord[] = [];
    const seen = new Set<string>();
    for (;;) {
      const page = await this.cases.list({ role: 'transferor', overdueOn: today, remindableAt, limit: PAGE });
      // A page repeating cases means reminding did not record them: stop rather than loop.
      const due = page.filter((c) => c.clock && c.dueOn && !seen.has(caseKey(c)));
      if (due.length === 0) break;
      await this.remind(due, today, now);
      for (const c of due) seen.add(caseKey(c));
      reminded.push(...due);
      if (page.length < PAGE || due.length < page.length) break;
    }
    if (reminded.length > 0) {
      const names =
        reminded.length > 20
          ? `${reminded
              .slice(0, 20)
              .map((c) => c.caseNo)
              .join(', ')}, ...`
          : reminded.map((c) => c.caseNo).join(', ');
      this.log('log', `sent ${reminded.length} supervision reminder(s): ${names}`);
    }
    return reminded;
  }

  private async remind(due: CaseRecord[], today: string, now: Date): Promise<void> {
    const commands = due.map((c) =>
      SubmitMessageCommand.reminder(c.partner, {
        caseNo: c.caseNo,
        kind: c.kind,
        clock: c.clock!,
        dueDate: c.dueOn!,
        overdueWorkingDays: this.calendar.workingDaysBetween(c.dueOn!, today),
        sequence: c.reminders + 1,
        note: `${CASE_KIND_LABELS[c.kind]} ${c.caseNo}: ${c.clock} was due ${c.dueOn}${c.dueProvisional ? ' (provisional)' : ''}`,
      }),
    );
    await this.submit.executeMany(commands, now);
  }
}
