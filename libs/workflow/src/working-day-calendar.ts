import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '@xietong/contracts';
import { formatLocalDate, parseLocalDate, weekday } from './local-date';
import { type StatutoryHoliday, statutoryHolidays, type StatutoryRule } from './statutory-holidays';

interface CalendarFile {
  format: 'xietong-calendar/1';
  years: Record<string, { source?: string; holidays: (string | [string, string])[]; workdays: string[] }>;
  /** The holidays known by law for a year whose schedule is not published (optional). */
  statutory?: StatutoryRule;
}

export interface DueDate {
  /** Last day of the period (the deadline is the end of that day, Asia/Shanghai). */
  due: string;
  /**
   * True when the count ran through a year whose schedule is not loaded yet: that year's statutory
   * holidays were counted, its substitute days off and make-up working days are unknown.
   */
  provisional: boolean;
}

/**
 * Working days of mainland China: Monday to Friday, minus official holidays, plus make-up working
 * days on weekends, from a versioned data file (libs/workflow/data/calendar.json). A year whose
 * State Council schedule is not in the file counts the statutory holidays of the file's
 * `statutory` rule only.
 */
export class WorkingDayCalendar {
  private readonly holidays = new Set<number>();
  private readonly workdays = new Set<number>();
  private readonly years = new Set<number>();
  private readonly statutory?: StatutoryRule;
  private readonly provisionalHolidays = new Map<number, Map<number, string>>();

  constructor(file: CalendarFile) {
    if (file.format !== 'xietong-calendar/1')
      throw new DomainError('CONFIG_INVALID', `calendar format must be xietong-calendar/1, got ${String(file.format)}`);
    for (const [year, y] of Object.entries(file.years)) {
      this.years.add(Number(year));
      for (const h of y.holidays) {
        const [from, to] = typeof h === 'string' ? [h, h] : h;
        for (let d = parseLocalDate(from, 'holiday'); d <= parseLocalDate(to, 'holiday'); d++) this.holidays.add(d);
      }
      for (const w of y.workdays) this.workdays.add(parseLocalDate(w, 'workday'));
    }
    this.statutory = file.statutory;
    // Fail at load, not in the middle of a deadline, when the rule names an impossible date or term.
    if (this.statutory) statutoryHolidays(this.statutory, this.statutory.effectiveFrom);
  }

  static load(file = join(__dirname, '../data/calendar.json')): WorkingDayCalendar {
    return new WorkingDayCalendar(JSON.parse(readFileSync(file, 'utf8')) as CalendarFile);
  }

  loadedYears(): number[] {
    return [...this.years].sort();
  }

  isLoaded(date: string): boolean {
    return this.years.has(Number(date.slice(0, 4)));
  }

  isWorkingDay(date: string): boolean {
    return this.isWorkingDayNumber(parseLocalDate(date));
  }

  /**
   * The statutory holidays counted for `year` when its schedule is not loaded (empty for a loaded
   * year, or a year before the rule took effect).
   */
  provisionalHolidaysOf(year: number): StatutoryHoliday[] {
    return [...this.provisionalHolidayMap(year)].map(([d, name]) => ({ date: formatLocalDate(d), name }));
  }

  private provisionalHolidayMap(year: number): Map<number, string> {
    let days = this.provisionalHolidays.get(year);
    if (!days) {
      days = new Map();
      // The lunar dates of the previous year's rule could in principle fall into this year; tyme4ts
      // knows years 1 to 9999.
      if (this.statutory && !this.years.has(year) && year <= 9999)
        for (const y of [year - 1, year].filter((y) => y >= 1))
          for (const h of statutoryHolidays(this.statutory, y))
            if (Number(h.date.slice(0, 4)) === year) days.set(parseLocalDate(h.date), h.name);
      this.provisionalHolidays.set(year, days);
    }
    return days;
  }

  private isHoliday(d: number): boolean {
    return this.holidays.has(d) || this.provisionalHolidayMap(this.yearOf(d)).has(d);
  }

  private isWorkingDayNumber(d: number): boolean {
    if (this.workdays.has(d)) return true;
    if (this.isHoliday(d)) return false;
    const w = weekday(d);
    return w !== 0 && w !== 6;
  }

  private yearOf(d: number): number {
    return new Date(d * 86_400_000).getUTCFullYear();
  }

  /**
   * The day on which a period of `n` working days ends, counted from the day after `from`
   * (the day of receipt is not counted).
   */
  addWorkingDays(from: string, n: number): DueDate {
    if (!Number.isInteger(n) || n < 1)
      throw new DomainError('VALIDATION_FAILED', `working days must be a positive integer, got ${n}`, 'workingDays');
    let day = parseLocalDate(from, 'from');
    let provisional = !this.isLoaded(from);
    for (let counted = 0; counted < n;) {
      day++;
      if (!this.years.has(this.yearOf(day))) provisional = true;
      if (this.isWorkingDayNumber(day)) counted++;
    }
    return { due: formatLocalDate(day), provisional };
  }

  /**
   * The day on which a period of `n` calendar days ends, counted from the day after `from`. A
   * period whose last day is a statutory holiday ends on the first working day after the whole
   * holiday block (the period rule of the 市场监督管理行政处罚程序规定, see time-limits.json).
   * Provisional when that day lies in a year whose holidays are not loaded (its statutory
   * holidays still move the date).
   */
  addCalendarDays(from: string, n: number): DueDate {
    if (!Number.isInteger(n) || n < 1)
      throw new DomainError('VALIDATION_FAILED', `days must be a positive integer, got ${n}`, 'days');
    let day = parseLocalDate(from, 'from') + n;
    if (this.isHoliday(day)) while (!this.isWorkingDayNumber(day)) day++;
    return { due: formatLocalDate(day), provisional: !this.years.has(this.yearOf(day)) };
  }

  /** Working days strictly after `from` up to and including `to` (0 if `to` is not later). */
  workingDaysBetween(from: string, to: string): number {
    let n = 0;
    const end = parseLocalDate(to, 'to');
    for (let d = parseLocalDate(from, 'from') + 1; d <= end; d++) if (this.isWorkingDayNumber(d)) n++;
    return n;
  }
}
