import type { EntityManager } from 'typeorm';
import { defineEntities, type Database, type Dialect } from '@xietong/persistence';

export interface RecordedQuery {
  sql: string;
  args: unknown[];
}

/**
 * A Database for repository unit specs: its query runner records every statement with its
 * parameters and answers with `answer(sql, args)` (no rows by default). Transactions run the work
 * at once on the same recording runner.
 */
export function recordingDatabase(
  dialect: Dialect,
  answer: (sql: string, args: unknown[]) => unknown = () => [],
): { db: Database; em: EntityManager; queries: RecordedQuery[] } {
  const queries: RecordedQuery[] = [];
  const em = {
    query: jest.fn((sql: string, args: unknown[] = []) => {
      queries.push({ sql, args });
      return Promise.resolve(answer(sql, args));
    }),
  };
  const db = {
    dialect,
    entities: defineEntities(dialect),
    manager: em,
    transaction: <T>(work: (m: EntityManager) => Promise<T>) => work(em as unknown as EntityManager),
    channel: (name: string) => (dialect === 'postgres' ? `xietong_${name}_t_spec` : undefined),
  };
  return { db: db as unknown as Database, em: em as unknown as EntityManager, queries };
}
