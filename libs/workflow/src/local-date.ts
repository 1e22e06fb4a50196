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

/** The Asia/Shanghai calendar date of an instant. */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}
