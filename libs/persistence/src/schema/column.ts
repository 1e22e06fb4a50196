import type { ColumnType } from 'typeorm';
import { columnTypes, type Dialect } from '../column-types';

/**
 * What a column holds, independent of the database. Each kind has one TypeScript type (the
 * default of the builder below), one declared type per dialect and one way to read a raw value.
 */
export type ColumnKind =
  'varchar' | 'text' | 'integer' | 'bigint' | 'boolean' | 'instant' | 'binary' | 'serial' | 'xid8';

export interface ColumnDef {
  kind: ColumnKind;
  /** varchar only. */
  length?: number;
  nullable: boolean;
  /** Part of the primary key (in the order the columns are listed). */
  primary: boolean;
  /** A unique constraint on this column alone. */
  unique: boolean;
  /** Left out of a row read through TypeORM unless asked for (EntitySchema `select: false`). */
  lazy: boolean;
  /** May be absent from a row in TypeScript (lazy columns, columns not every writer sets). */
  optional: boolean;
  /** A column that exists on one dialect only, filled by its default there. */
  only?: Dialect;
}

/**
 * One column of a {@link TableSpec}. `T` is the TypeScript type of its value in a row, `Opt`
 * whether the row type may leave it out. Immutable: each modifier returns a new column.
 */
export class Column<T, Opt extends boolean = false> {
  declare readonly __type: T;
  declare readonly __optional: Opt;

  constructor(readonly def: ColumnDef) {}

  nullable(): Column<T | null, Opt> {
    return new Column({ ...this.def, nullable: true });
  }

  primary(): Column<T, Opt> {
    return new Column({ ...this.def, primary: true });
  }

  unique(): Column<T, Opt> {
    return new Column({ ...this.def, unique: true });
  }

  /** Not read by TypeORM unless selected (large values, or values few readers need). */
  lazy(): Column<T, true> {
    return new Column({ ...this.def, lazy: true, optional: true });
  }

  /** Optional in the row type: writers that predate the column leave it out. */
  optional(): Column<T, true> {
    return new Column({ ...this.def, optional: true });
  }

  /** Narrows the TypeScript type (a union of codes, say); the stored type stays the same. */
  of<U extends T>(): Column<U, Opt> {
    return new Column(this.def);
  }

  /** Exists on `dialect` only, where its SQL default fills it. */
  onlyOn(dialect: Dialect): Column<T, true> {
    return new Column({ ...this.def, only: dialect, optional: true });
  }
}

const base = (kind: ColumnKind, length?: number): ColumnDef => ({
  kind,
  ...(length === undefined ? {} : { length }),
  nullable: false,
  primary: false,
  unique: false,
  lazy: false,
  optional: false,
});

/** Column builders of the table specs (libs/persistence/src/schema/tables.ts). */
export const col = {
  varchar: (length: number) => new Column<string>(base('varchar', length)),
  text: () => new Column<string>(base('text')),
  integer: () => new Column<number>(base('integer')),
  /** Read as a number: the sequence numbers stored here stay far below 2^53. */
  bigint: () => new Column<number>(base('bigint')),
  boolean: () => new Column<boolean>(base('boolean')),
  /** A point in time: timestamptz on PostgreSQL, TypeORM's UTC text (`datetime`) on SQLite. */
  instant: () => new Column<Date>(base('instant')),
  binary: () => new Column<Buffer>(base('binary')),
  /** A generated primary key, read as text (PostgreSQL's bigint exceeds a JS number in theory). */
  serial: () => new Column<string>({ ...base('serial'), primary: true }),
  /** PostgreSQL's transaction id type (audit_pending.tx). */
  xid8: () => new Column<string>(base('xid8')),
};

/** The type TypeORM is given for a column (entity schemas, and what the migrations wrote). */
export function ormType(def: ColumnDef, dialect: Dialect): ColumnType {
  const t = columnTypes(dialect);
  switch (def.kind) {
    case 'instant':
      return t.instant;
    case 'binary':
      return t.binary;
    case 'serial':
      return t.serial;
    default:
      return def.kind as ColumnType;
  }
}

/**
 * The type the database reports for a column: `information_schema.columns.data_type` on
 * PostgreSQL (with the length of a varchar), the declared type of `PRAGMA table_info` on SQLite.
 */
export function declaredType(def: ColumnDef, dialect: Dialect): string {
  if (def.kind === 'varchar')
    return dialect === 'postgres' ? `character varying(${def.length})` : `varchar(${def.length})`;
  if (dialect === 'postgres') {
    const pg: Record<ColumnKind, string> = {
      varchar: 'character varying',
      text: 'text',
      integer: 'integer',
      bigint: 'bigint',
      boolean: 'boolean',
      instant: 'timestamp with time zone',
      binary: 'bytea',
      serial: 'bigint',
      xid8: 'xid8',
    };
    return pg[def.kind];
  }
  return String(ormType(def, dialect));
}
