import { DomainError } from '@xietong/contracts';

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date `YYYY-MM-DD` (Asia/Shanghai local date), validated. */
export function parseLocalDate(value: string, field = 'date'): number {
  const ms = ISO_DATE.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new DomainError('VALIDATION_FAILED', `${field} must be a date YYYY-MM-DD, got "${value}"`, field);
  }
  return ms / DAY_MS;
}

export function formatLocalDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Day of week of a day number: 0 Sunday .. 6 Saturday. */
export function weekday(day: number): number {
  return new Date(day * DAY_MS).getUTCDay();
}

/** Asia/Shanghai is UTC+8 all year (no daylight saving since 1991): the one place this is written. */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** The Asia/Shanghai calendar date of an instant. */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The Asia/Shanghai wall-clock time of an instant, `YYYY-MM-DD HH:MM:SS` (empty for none). */
export function shanghaiDateTime(instant: Date | string | null | undefined): string {
  if (!instant) return '';
  const t = new Date(new Date(instant).getTime() + SHANGHAI_OFFSET_MS).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 19)}`;
}

/** 00:00 Asia/Shanghai of a local date `YYYY-MM-DD` (validated, named `field` in the error), plus `plusDays`. */
export function shanghaiDayStart(date: string, field = 'date', plusDays = 0): Date {
  return new Date((parseLocalDate(date, field) + plusDays) * DAY_MS - SHANGHAI_OFFSET_MS);
}

/** 00:00 Asia/Shanghai of the first day of a month (`month` 1-12; 13 is January of the next year). */
export function shanghaiMonthStart(year: number, month: number): Date {
  return new Date(Date.UTC(year, month - 1, 1) - SHANGHAI_OFFSET_MS);
}
