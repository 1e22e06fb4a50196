import { EntitySchema, type EntitySchemaColumnOptions } from 'typeorm';
import type { Dialect } from '../column-types';
import { insertRows, storedInstant } from '../sql';
import { ormType, type Column, type ColumnDef } from './column';

type AnyColumn = Column<any, boolean>;
export type Columns = Record<string, AnyColumn>;
export type Field<C extends Columns> = keyof C & string;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The row type of some fields of a table spec, optional where the column says so. */
export type RowPick<C extends Columns, F extends keyof C> = Simplify<
  { [K in F as C[K]['__optional'] extends true ? never : K]: C[K]['__type'] } & {
    [K in F as C[K]['__optional'] extends true ? K : never]?: C[K]['__type'];
  }
>;

/** The row type of a table spec: one property per column. */
export type RowOf<C extends Columns> = RowPick<C, Field<C>>;

export interface IndexSpec<F extends string> {
  name: string;
  columns: readonly F[];
  /** A partial index: the SQL condition of the rows it holds. */
  where?: string;
  /** Created on this dialect only. */
  only?: Dialect;
}

/** Names that must be quoted in SQL on either dialect. */
const RESERVED = new Set(['offset', 'partition', 'order', 'group', 'user', 'limit', 'select', 'where']);

/** A column or table name as SQL: quoted when it is a keyword. */
export function ident(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) && !RESERVED.has(name) ? name : `"${name}"`;
}

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The one definition of a table: its columns with their types per dialect, nullability, keys and
 * indexes. The repositories take their column lists, row types and raw-row decoding from it, the
 * TypeORM entity schemas are generated from it, and a test (test/medium/schema-spec.test.ts)
 * checks that the migrations, which stay as history, build exactly this table on both databases.
 * A field's SQL name is its snake_case form (`messageId` -> `message_id`).
 */
export class TableSpec<C extends Columns> {
  constructor(
    readonly name: string,
    readonly columns: C,
    readonly indexes: readonly IndexSpec<Field<C>>[] = [],
  ) {}

  /** The SQL name of a field. */
  column(field: Field<C>): string {
    return snake(field);
  }

  def(field: Field<C>): ColumnDef {
    return this.columns[field].def;
  }

  /** The fields present on `dialect` (all of them when no dialect is named), in table order. */
  fields(dialect?: Dialect): Field<C>[] {
    return Object.keys(this.columns).filter((f) => {
      const only = this.columns[f].def.only;
      return !only || !dialect || only === dialect;
    });
  }

  /** The primary key's fields, in order. */
  primaryKey(): Field<C>[] {
    return this.fields().filter((f) => this.columns[f].def.primary);
  }

  /** SQL names of `fields`. */
  names(fields: readonly Field<C>[]): string[] {
    return fields.map((f) => this.column(f));
  }

  /** A select list of `fields`, each prefixed with `alias.` when given. */
  list(fields: readonly Field<C>[], alias?: string): string {
    return fields.map((f) => `${alias ? `${alias}.` : ''}${ident(this.column(f))}`).join(', ');
  }

  /** The values of `fields` in `row`, in order; an absent value is NULL. */
  values(fields: readonly Field<C>[], row: object): unknown[] {
    const r = row as Record<string, unknown>;
    return fields.map((f) => r[f] ?? null);
  }

  /**
   * A row as the driver returns it (keys are SQL names) read into `fields`: instants, ids,
   * numbers and booleans come back the same on both dialects (SQLite's UTC text is read as UTC).
   */
  decode<F extends Field<C>>(raw: Record<string, unknown>, fields: readonly F[]): RowPick<C, F> {
    const out: Record<string, unknown> = {};
    for (const f of fields) out[f] = decodeValue(this.columns[f].def, raw[this.column(f)]);
    return out as RowPick<C, F>;
  }

  /** The TypeORM entity schema of this table on `dialect` (no synchronize: the migrations own DDL). */
  entity(dialect: Dialect): EntitySchema<RowOf<C>> {
    const columns: Record<string, EntitySchemaColumnOptions> = {};
    for (const f of this.fields(dialect)) {
      const d = this.columns[f].def;
      columns[f] = {
        type: ormType(d, dialect),
        ...(this.column(f) === f ? {} : { name: this.column(f) }),
        ...(d.length === undefined ? {} : { length: d.length }),
        ...(d.primary ? { primary: true } : {}),
        ...(d.kind === 'serial' ? { generated: 'increment' as const } : {}),
        ...(d.nullable ? { nullable: true } : {}),
        ...(d.lazy ? { select: false } : {}),
      };
    }
    return new EntitySchema<RowOf<C>>({ name: this.name, columns } as never);
  }

  /**
   * Inserts `rows` with one multi-row INSERT per chunk ({@link insertRows}), writing `fields`.
   * Returns the values of the `returning` field of the rows inserted.
   */
  insert<F extends Field<C>>(
    em: { query(sql: string, args: unknown[]): Promise<unknown> },
    dialect: Dialect,
    fields: readonly F[],
    rows: RowPick<C, F>[],
    o: { returning?: Field<C>; onConflict?: string } = {},
  ): Promise<unknown[]> {
    return insertRows(
      em,
      dialect,
      this.name,
      this.names(fields),
      rows.map((r) => this.values(fields, r)),
      o.returning && this.column(o.returning),
      o.onConflict,
    );
  }
}

function decodeValue(def: ColumnDef, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (def.kind) {
    case 'instant':
      return storedInstant(v);
    case 'integer':
    case 'bigint':
      return Number(v);
    case 'boolean':
      return typeof v === 'boolean' ? v : Number(v) !== 0;
    case 'binary':
      return v;
    default:
      return String(v);
  }
}

/** Defines a table: `table('outbox', { id: col.serial(), ... }, [indexes])`. */
export function table<C extends Columns>(name: string, columns: C, indexes: readonly IndexSpec<Field<C>>[] = []) {
  return new TableSpec(name, columns, indexes);
}
