import type { Dialect } from './column-types';

/** Positional parameter markers for raw SQL: `$1, $2` (PostgreSQL) or `?, ?` (SQLite). */
export function params(dialect: Dialect, count: number, first = 1): string[] {
  return Array.from({ length: count }, (_, i) => (dialect === 'postgres' ? `$${first + i}` : '?'));
}

/** Splits rows into chunks that stay under the driver's bound-parameter limit. */
export function chunks<T>(rows: T[], columnsPerRow: number, maxParams = 30_000): T[][] {
  const size = Math.max(1, Math.floor(maxParams / columnsPerRow));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** A Date as a raw-SQL parameter, in the form TypeORM itself stores for the dialect. */
export function instant(dialect: Dialect, at: Date): Date | string {
  return dialect === 'postgres' ? at : at.toISOString().replace('T', ' ').replace('Z', '');
}
