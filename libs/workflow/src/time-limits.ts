import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '@xietong/contracts';
import type { DueDate, WorkingDayCalendar } from './working-day-calendar';

export interface TimeLimit {
  id: string;
  name: string;
  unit: 'working' | 'calendar';
  days: number;
  extension?: { days: number; times: number };
  check?: boolean;
  source: string;
}

/** The time limits of libs/workflow/data/time-limits.json, and due dates computed from them. */
export class TimeLimits {
  private readonly byId: Map<string, TimeLimit>;

  constructor(
    limits: TimeLimit[],
    private readonly calendar: WorkingDayCalendar,
  ) {
    this.byId = new Map(limits.map((l) => [l.id, l]));
  }

  static load(calendar: WorkingDayCalendar, file = join(__dirname, '../data/time-limits.json')): TimeLimits {
    return new TimeLimits((JSON.parse(readFileSync(file, 'utf8')) as { limits: TimeLimit[] }).limits, calendar);
  }

  all(): TimeLimit[] {
    return [...this.byId.values()];
  }

  get(id: string): TimeLimit {
    const l = this.byId.get(id);
    if (!l) throw new DomainError('NOT_FOUND', `no time limit "${id}"; known: ${[...this.byId.keys()].join(', ')}`);
    return l;
  }

  /** Due date of limit `id` started on `from`, with `extensions` granted (at most the allowed number). */
  due(id: string, from: string, extensions = 0): DueDate & { limit: TimeLimit } {
    const limit = this.get(id);
    const allowed = limit.extension?.times ?? 0;
    if (extensions > allowed)
      throw new DomainError(
        'VALIDATION_FAILED',
        `${limit.id} may be extended ${allowed} time(s), not ${extensions}`,
        'extensions',
      );
    if (limit.unit === 'working') {
      const days = limit.days + extensions * (limit.extension?.days ?? 0);
      return { ...this.calendar.addWorkingDays(from, days), limit };
    }
    // Calendar days: the holiday rule applies at the end of each period, the base and every extension.
    let due = this.calendar.addCalendarDays(from, limit.days);
    for (let i = 0; i < extensions; i++) {
      const next = this.calendar.addCalendarDays(due.due, limit.extension!.days);
      due = { due: next.due, provisional: due.provisional || next.provisional };
    }
    return { ...due, limit };
  }
}
