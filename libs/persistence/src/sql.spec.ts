import { recordingDatabase } from '../../../test/support/recording-database';
import { chunks, insertRows, instant, params, storedInstant } from './sql';

describe('raw SQL helpers', () => {
  it('number PostgreSQL markers from any start, and use ? on SQLite', () => {
    expect(params('postgres', 3, 4)).toEqual(['$4', '$5', '$6']);
    expect(params('better-sqlite3', 2)).toEqual(['?', '?']);
  });

  it('split rows so no statement binds more parameters than the limit', () => {
    const parts = chunks([1, 2, 3, 4, 5], 2, 4);
    expect(parts).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([1], 10, 4)).toEqual([[1]]);
  });

  it('write an instant as TypeORM stores it: a Date on PostgreSQL, UTC text on SQLite', () => {
    const at = new Date('2026-11-30T01:02:03.456Z');
    expect(instant('postgres', at)).toBe(at);
    expect(instant('better-sqlite3', at)).toBe('2026-11-30 01:02:03.456');
  });

  it('read an instant back whatever form it has', () => {
    const at = new Date('2026-11-30T01:02:03.456Z');
    expect(storedInstant(at)).toBe(at);
    expect(storedInstant('2026-11-30 01:02:03.456').toISOString()).toBe(at.toISOString());
    expect(storedInstant('2026-11-30T09:02:03.456+08:00').toISOString()).toBe(at.toISOString());
    expect(storedInstant('2026-11-30T01:02:03.456Z').toISOString()).toBe(at.toISOString());
  });

  it('insert many rows with one statement per chunk under the bound-parameter limit', async () => {
    const { em, queries } = recordingDatabase('postgres');
    const rows = Array.from({ length: 10_001 }, (_, i) => [i, `r${i}`, true]);
    await insertRows(em, 'postgres', 't', ['a', 'b', 'c'], rows);
    expect(queries.map((q) => q.args.length)).toEqual([30_000, 3]);
    expect(queries[1].sql).toBe('INSERT INTO t ("a", "b", "c") VALUES ($1, $2, $3)');
    expect(queries[1].args).toEqual([10_000, 'r10000', true]);
  });

  it('append the conflict clause and return the named column of the rows inserted', async () => {
    const { em, queries } = recordingDatabase('better-sqlite3', () => [{ id: 4 }, { id: 5 }]);
    const ids = await insertRows(em, 'better-sqlite3', 't', ['a'], [[false], [true]], 'id', 'ON CONFLICT DO NOTHING');
    expect(ids).toEqual([4, 5]);
    expect(queries).toEqual([
      { sql: 'INSERT INTO t ("a") VALUES (?), (?) ON CONFLICT DO NOTHING RETURNING "id"', args: [0, 1] },
    ]);
  });
});
