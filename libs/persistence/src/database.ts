import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client } from 'pg';
import { DataSource, type DataSourceOptions, type EntityManager } from 'typeorm';
import type { DatabaseConfig } from '@xietong/config';
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
    return new Database(ds, entities, config.type);
  }

  /** Runs `work` in one database transaction (serialized on SQLite). */
  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') return this.dataSource.transaction(work);
    const run = this.queue.then(() => this.dataSource.transaction(work));
    this.queue = run.catch(() => undefined);
    return run;
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** Cheap liveness probe for /health. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
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
