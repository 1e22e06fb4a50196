import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '@xietong/config';

/** PostgreSQL used by the integration tests (CI starts it; trust auth on 127.0.0.1). */
export const TEST_POSTGRES_URL = process.env.XIETONG_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestDialect = 'postgres' | 'sqlite';
export const DIALECTS: TestDialect[] = ['postgres', 'sqlite'];

/**
 * This jest run's name (set by its global setup, test/support/test-run.js): its PostgreSQL schemas
 * are `t_<run>_…`, and its teardown drops those only. Outside jest, one per process.
 */
const RUN = (process.env.XIETONG_TEST_RUN ??= `r${Math.random().toString(16).slice(2, 10)}`);

/** The start of the PostgreSQL schema names of this run's databases labelled `label…` (for LIKE, with `%`). */
export const testSchemaPrefix = (label: string): string => `t_${RUN}_${label}`.toLowerCase();

/** A fresh, empty database for one gateway: its own PostgreSQL schema or SQLite file. */
export function freshDatabase(dialect: TestDialect, label: string): DatabaseConfig {
  const suffix = `${label}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  if (dialect === 'postgres') return { type: 'postgres', url: TEST_POSTGRES_URL, schema: `t_${RUN}_${suffix}` };
  return { type: 'better-sqlite3', file: join(mkdtempSync(join(tmpdir(), 'xt-db-')), `${suffix}.sqlite`) };
}
