import type { QueryRunner } from 'typeorm';
import type { Database } from '@xietong/persistence';

export interface RowsFetched {
  /** Rows the database returned to this process since the counter was (re)started. */
  rows: number;
  queries: number;
  reset(): void;
  stop(): void;
}

/**
 * Counts the rows every query of `db` returns (raw SQL and query builders alike), to assert that
 * an aggregation runs in SQL: the count must not grow with the table.
 */
export function countRowsFetched(db: Database): RowsFetched {
  const ds = db.dataSource;
  const original = ds.createQueryRunner.bind(ds);
  let active = true;
  const counter: RowsFetched = {
    rows: 0,
    queries: 0,
    reset() {
      counter.rows = 0;
      counter.queries = 0;
    },
    stop() {
      active = false;
      ds.createQueryRunner = original;
    },
  };
  const patched = new WeakSet<QueryRunner>();
  ds.createQueryRunner = (...args: Parameters<typeof original>) => {
    const runner = original(...args);
    if (!patched.has(runner)) {
      patched.add(runner);
      const query = runner.query.bind(runner) as (...a: unknown[]) => Promise<unknown>;
      runner.query = (async (...a: unknown[]) => {
        const result = await query(...a);
        if (active) {
          counter.queries++;
          counter.rows += rowsOf(result);
        }
        return result;
      }) as QueryRunner['query'];
    }
    return runner;
  };
  return counter;
}

function rowsOf(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  const records = (result as { records?: unknown[] } | null)?.records;
  return Array.isArray(records) ? records.length : 0;
}
