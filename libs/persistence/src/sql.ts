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

/** An instant read back by raw SQL: a Date (PostgreSQL) or TypeORM's UTC text form (SQLite). */
export function storedInstant(v: unknown): Date {
  if (v instanceof Date) return v;
  const text = String(v);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

/**
 * One multi-row INSERT per chunk, written out directly: TypeORM's insert builder costs more per
 * row than the database does (measured by `npm run bench`). Returns `returning` column values.
 */
export async function insertRows(
  em: { query(sql: string, args: unknown[]): Promise<unknown> },
  dialect: Dialect,
  table: string,
  columns: string[],
  rows: unknown[][],
  returning?: string,
  onConflict = '',
): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const part of chunks(rows, columns.length)) {
    const p = params(dialect, part.length * columns.length);
    const values = part
      .map((_, i) => `(${p.slice(i * columns.length, (i + 1) * columns.length).join(', ')})`)
      .join(', ');
    const args = part
      .flat()
      .map((v) =>
        v instanceof Date ? instant(dialect, v) : typeof v === 'boolean' && dialect !== 'postgres' ? Number(v) : v,
      );
    const head = `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${values}`;
    const sql = `${head}${onConflict ? ` ${onConflict}` : ''}${returning ? ` RETURNING "${returning}"` : ''}`;
    const result = (await em.query(sql, args)) as Record<string, unknown>[];
    if (returning) out.push(...result.map((r) => r[returning]));
  }
  return out;
}
