import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client } from 'pg';
import { DataSource, type DataSourceOptions, type EntityManager } from 'typeorm';
import { readSecretFile, type DatabaseConfig } from '@xietong/config';
import type { Dialect } from './column-types';
import { defineEntities, type Entities } from './entities';
import { InitialSchema1764200000000 } from './migrations/1764200000000-initial-schema';
import { CaseFiles1764300000000 } from './migrations/1764300000000-case-files';
import { PersonalDataAccess1764400000000 } from './migrations/1764400000000-personal-data-access';
import { CaseFlags1764500000000 } from './migrations/1764500000000-case-flags';
import { AuditLog1764600000000 } from './migrations/1764600000000-audit-log';
import { RecordBytesAndManifests1764700000000 } from './migrations/1764700000000-record-bytes-and-manifests';
import { AuditPending1764800000000 } from './migrations/1764800000000-audit-pending';
import { RecordPosition1764900000000 } from './migrations/1764900000000-record-position';
import { QuarantineReplay1765000000000 } from './migrations/1765000000000-quarantine-replay';
import { RequestDigest1765050000000 } from './migrations/1765050000000-request-digest';
import { QueueTables1765200000000 } from './migrations/1765200000000-queue-tables';
import { AuditWitness1765300000000 } from './migrations/1765300000000-audit-witness';
import { Webhooks1765400000000 } from './migrations/1765400000000-webhooks';
import { Retention1765410000000 } from './migrations/1765410000000-retention';
import { Archives1765420000000 } from './migrations/1765420000000-archives';

/** Tables that take updates or deletes on the hot path (per-table autovacuum in QueueTables1765200000000). */
/**
 * A unit of work: the handle repositories read and write through. Inside {@link Database.transaction}
 * everything written through it commits together or not at all (a message and its outbox row);
 * from {@link Database.outsideTransaction} each statement stands alone. Services pass it on to
 * repository methods and never query through it themselves (CONTRIBUTING.md, "Data access").
 */
export type Tx = EntityManager;

export const QUEUE_TABLES = ['outbox', 'audit_pending', 'audit_head', 'message', 'case_file'];
/** Dead rows above which (and above a fifth of the table) /health warns about a table. */
export const DEAD_ROWS_WARN = 50_000;

export interface QueueHealth {
  status: 'ok' | 'warn';
  autovacuum: boolean;
  /** Tables over the dead-row limit. */
  bloated: string[];
  tables: { table: string; liveRows: number; deadRows: number; deadRatio: number; lastVacuumAgeS: number | null }[];
}

export const MIGRATIONS = [
  InitialSchema1764200000000,
  CaseFiles1764300000000,
  PersonalDataAccess1764400000000,
  CaseFlags1764500000000,
  AuditLog1764600000000,
  RecordBytesAndManifests1764700000000,
  AuditPending1764800000000,
  RecordPosition1764900000000,
  QuarantineReplay1765000000000,
  RequestDigest1765050000000,
  QueueTables1765200000000,
  AuditWitness1765300000000,
  Webhooks1765400000000,
  Retention1765410000000,
  Archives1765420000000,
];

/**
 * The gateway's database: a TypeORM DataSource over PostgreSQL or SQLite, migrated on open.
 * All writes go through {@link Database.transaction}; on SQLite (one connection) transactions
 * are serialized in-process so the relay and the consumer never interleave on it.
 */
export class Database {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dataSource: DataSource,
    readonly entities: Entities,
    readonly dialect: Dialect,
    private readonly config: DatabaseConfig,
  ) {}

  static async open(config: DatabaseConfig, options: { migrate?: boolean } = {}): Promise<Database> {
    const entities = defineEntities(config.type);
    const common = {
      entities: Object.values(entities),
      migrations: MIGRATIONS,
      migrationsRun: options.migrate ?? true,
      synchronize: false,
      logging: false,
    } as const;
    let ds: DataSource;
    if (config.type === 'postgres') {
      config = { ...config, url: withPassword(config) };
      await ensureSchema(config.url, config.schema);
      ds = new DataSource({
        ...common,
        type: 'postgres',
        url: config.url,
        schema: config.schema,
        extra: { max: 10, options: `-c search_path=${config.schema}` },
        applicationName: 'xietong',
      } as DataSourceOptions);
    } else {
      mkdirSync(dirname(config.file), { recursive: true });
      ds = new DataSource({
        ...common,
        type: 'better-sqlite3',
        database: config.file,
        enableWAL: true,
        prepareDatabase: (db: { pragma(s: string): unknown }) => {
          db.pragma('busy_timeout = 5000');
          db.pragma('synchronous = NORMAL');
        },
      } as DataSourceOptions);
    }
    await ds.initialize();
    return new Database(ds, entities, config.type, config);
  }

  /** Runs `work` in one database transaction (serialized on SQLite). */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') return this.dataSource.transaction(work);
    const run = this.queue.then(() => this.dataSource.transaction(work));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs `work` without a transaction: for reads that need no consistent view with a write. */
  outsideTransaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return work(this.dataSource.manager);
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * Dead rows and vacuum age of the tables that take updates or deletes (PostgreSQL; undefined on
   * SQLite, which reuses freed pages itself). `warn` when autovacuum is off or a table carries more
   * dead rows than {@link DEAD_ROWS_WARN} and more than a fifth of its rows: its scans are slowing down.
   */
  async queueHealth(): Promise<QueueHealth | undefined> {
    if (this.dialect !== 'postgres') return undefined;
    const rows = (await this.dataSource.query(
      `SELECT relname, n_live_tup, n_dead_tup, current_setting('autovacuum') AS autovacuum,
              EXTRACT(EPOCH FROM now() - GREATEST(last_vacuum, last_autovacuum)) AS vacuum_age
       FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = ANY($1) ORDER BY relname`,
      [QUEUE_TABLES],
    )) as { relname: string; n_live_tup: string; n_dead_tup: string; autovacuum: string; vacuum_age: string | null }[];
    const autovacuum = (rows[0]?.autovacuum ?? 'on') === 'on';
    const tables = rows.map((r) => {
      const live = Number(r.n_live_tup);
      const dead = Number(r.n_dead_tup);
      return {
        table: r.relname,
        liveRows: live,
        deadRows: dead,
        deadRatio: live + dead === 0 ? 0 : Math.round((dead / (live + dead)) * 1000) / 1000,
        lastVacuumAgeS: r.vacuum_age === null ? null : Math.round(Number(r.vacuum_age)),
      };
    });
    const bloated = tables.filter((t) => t.deadRows > DEAD_ROWS_WARN && t.deadRatio > 0.2).map((t) => t.table);
    return { status: autovacuum && bloated.length === 0 ? 'ok' : 'warn', autovacuum, bloated, tables };
  }

  /** Cheap liveness probe for /health. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  /**
   * A PostgreSQL NOTIFY channel name of this gateway's schema (gateways sharing a database do not
   * wake each other), or undefined on SQLite.
   */
  channel(name: string): string | undefined {
    return this.config.type === 'postgres' ? `xietong_${name}_${this.config.schema}`.slice(0, 63) : undefined;
  }

  /**
   * PostgreSQL: calls `onNotify` on every NOTIFY on `channel`, on a connection of its own that is
   * re-opened after a loss (and `onNotify` called then, for what was missed). Returns a stop function.
   */
  async listen(channel: string, onNotify: () => void, onError: (e: Error) => void): Promise<() => Promise<void>> {
    if (this.config.type !== 'postgres') throw new Error('LISTEN/NOTIFY needs PostgreSQL');
    const url = this.config.url;
    let client: Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const reconnect = () => {
      if (stopped || retry) return;
      retry = setTimeout(() => {
        retry = undefined;
        void connect();
      }, 1000);
      retry.unref();
    };
    const connect = async (): Promise<void> => {
      const c = new Client({ connectionString: url, application_name: 'xietong-listen' });
      c.on('notification', () => onNotify());
      c.on('error', (e) => {
        onError(e);
        reconnect();
      });
      c.on('end', reconnect);
      try {
        await c.connect();
        await c.query(`LISTEN "${channel}"`);
        client = c;
        onNotify();
      } catch (e) {
        onError(e as Error);
        await c.end().catch(() => undefined);
        reconnect();
      }
    };
    await connect();
    return async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * The connection URL with the password of XIETONG_DATABASE_PASSWORD_FILE (kept in memory only: the
 * configured URL holds none, and errors show that one).
 */
function withPassword(config: Extract<DatabaseConfig, { type: 'postgres' }>): string {
  if (!config.passwordFile) return config.url;
  const url = new URL(config.url);
  url.password = encodeURIComponent(
    readSecretFile(config.passwordFile, 'XIETONG_DATABASE_PASSWORD_FILE').replace(/\r?\n$/, ''),
  );
  return url.toString();
}

async function ensureSchema(url: string, schema: string): Promise<void> {
  if (schema === 'public') return;
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await client.end();
  }
}
