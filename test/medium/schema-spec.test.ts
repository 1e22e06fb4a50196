// The migrations are history; libs/persistence/src/schema/tables.ts is the one definition the
// repositories read. This migrates a fresh database on each dialect and compares what the
// database reports (information_schema and pg_index; PRAGMA table_info and index_list) with what
// the specs say: tables, columns, declared types, nullability, primary keys, unique columns and
// named indexes. A migration and a spec that disagree fail here, whichever of the two is wrong.
import { Database, declaredType, TABLES, type Columns, type Dialect, type TableSpec } from '@xietong/persistence';
import { DIALECTS, freshDatabase } from '@xietong/testing';

interface TableShape {
  columns: Record<string, { type: string; nullable: boolean }>;
  primaryKey: string[];
  unique: string[][];
  indexes: Record<string, { columns: string[]; partial: boolean }>;
}

/** What the spec says the migrated table looks like on `dialect`. */
function specShape(spec: TableSpec<Columns>, dialect: Dialect): TableShape {
  const fields = spec.fields(dialect);
  return {
    columns: Object.fromEntries(
      fields.map((f) => [spec.column(f), { type: declaredType(spec.def(f), dialect), nullable: spec.def(f).nullable }]),
    ),
    primaryKey: spec.names(spec.primaryKey()),
    unique: fields.filter((f) => spec.def(f).unique).map((f) => [spec.column(f)]),
    indexes: Object.fromEntries(
      spec.indexes
        .filter((i) => !i.only || i.only === dialect)
        .map((i) => [i.name, { columns: spec.names(i.columns), partial: i.where !== undefined }]),
    ),
  };
}

const emptyShape = (): TableShape => ({ columns: {}, primaryKey: [], unique: [], indexes: {} });

/** What PostgreSQL reports for the tables of `schema`. */
async function postgresShapes(db: Database, schema: string): Promise<Record<string, TableShape>> {
  const shapes: Record<string, TableShape> = {};
  const shape = (t: string) => (shapes[t] ??= emptyShape());
  const columns = (await db.manager.query(
    `SELECT table_name, column_name, data_type, character_maximum_length, is_nullable
     FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [schema],
  )) as Record<string, string | number | null>[];
  for (const c of columns) {
    const length = c.character_maximum_length === null ? '' : `(${c.character_maximum_length})`;
    shape(String(c.table_name)).columns[String(c.column_name)] = {
      type: `${c.data_type}${length}`,
      nullable: c.is_nullable === 'YES',
    };
  }
  const indexes = (await db.manager.query(
    `SELECT t.relname AS table_name, i.relname AS index_name, x.indisprimary AS is_primary,
            x.indisunique AS is_unique, x.indpred IS NOT NULL AS partial,
            ARRAY(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n)
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n) AS columns
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1 ORDER BY t.relname, i.relname`,
    [schema],
  )) as {
    table_name: string;
    index_name: string;
    is_primary: boolean;
    is_unique: boolean;
    partial: boolean;
    columns: string[];
  }[];
  for (const i of indexes) {
    const s = shape(i.table_name);
    if (i.is_primary) s.primaryKey = i.columns;
    else if (i.is_unique) s.unique.push(i.columns);
    else s.indexes[i.index_name] = { columns: i.columns, partial: i.partial };
  }
  return shapes;
}

/** What SQLite reports for its tables. */
async function sqliteShapes(db: Database): Promise<Record<string, TableShape>> {
  const shapes: Record<string, TableShape> = {};
  const tables = (await db.manager.query(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
  )) as { name: string }[];
  for (const { name } of tables) {
    const s = (shapes[name] = emptyShape());
    const columns = (await db.manager.query(`PRAGMA table_info("${name}")`)) as {
      name: string;
      type: string;
      notnull: number;
      pk: number;
    }[];
    for (const c of columns) s.columns[c.name] = { type: c.type.toLowerCase(), nullable: c.notnull === 0 };
    s.primaryKey = columns
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
    const indexes = (await db.manager.query(`PRAGMA index_list("${name}")`)) as {
      name: string;
      unique: number;
      origin: string;
      partial: number;
    }[];
    for (const i of indexes) {
      if (i.origin === 'pk') continue;
      const info = (await db.manager.query(`PRAGMA index_info("${i.name}")`)) as { seqno: number; name: string }[];
      const cols = info.sort((a, b) => a.seqno - b.seqno).map((c) => c.name);
      if (i.origin === 'u') s.unique.push(cols);
      else s.indexes[i.name] = { columns: cols, partial: i.partial === 1 };
    }
  }
  return shapes;
}

describe.each(DIALECTS)('the migrated schema on %s', (testDialect) => {
  let db: Database;
  let actual: Record<string, TableShape>;
  const dialect: Dialect = testDialect === 'postgres' ? 'postgres' : 'better-sqlite3';

  beforeAll(async () => {
    const config = freshDatabase(testDialect, 'schema_spec');
    db = await Database.open(config);
    actual = config.type === 'postgres' ? await postgresShapes(db, config.schema) : await sqliteShapes(db);
    // TypeORM's own bookkeeping, not a table of the gateway.
    delete actual.migrations;
  });
  afterAll(() => db?.close());

  it('has exactly the tables of the specs', () => {
    expect(Object.keys(actual).sort()).toEqual(TABLES.map((t) => t.name).sort());
  });

  it.each(TABLES.map((t) => [t.name, t] as const))(
    '%s has the columns, types, nullability, keys and indexes of its spec',
    (_name, spec) => {
      const want = specShape(spec as unknown as TableSpec<Columns>, dialect);
      const got = actual[spec.name] ?? emptyShape();
      expect({ ...got, unique: [...got.unique].sort() }).toEqual({ ...want, unique: [...want.unique].sort() });
    },
  );
});
