import type { ColumnType } from 'typeorm';

export type Dialect = 'postgres' | 'better-sqlite3';

/** The few column types that differ between the two supported databases. */
export function columnTypes(dialect: Dialect): { instant: ColumnType; binary: ColumnType; serial: ColumnType } {
  return dialect === 'postgres'
    ? { instant: 'timestamptz', binary: 'bytea', serial: 'bigint' }
    : { instant: 'datetime', binary: 'blob', serial: 'integer' };
}
