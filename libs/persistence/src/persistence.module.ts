import { Module, type DynamicModule } from '@nestjs/common';
import { provideFactory, provideValue, token, type DatabaseConfig } from '@xietong/config';
import { DomainError } from '@xietong/contracts';
import { AuditRepository } from './audit.repository';
import { CaseRepository } from './case.repository';
import { Database } from './database';
import { ManifestArchiveRepository } from './manifest-archive.repository';
import { MessageRepository } from './message.repository';
import { OutboxRepository } from './outbox.repository';
import { PersonalDataAccessRepository } from './personal-data-access.repository';
import { QuarantineRepository } from './quarantine.repository';
import { WebhookRepository } from './webhook.repository';
import { RetentionRepository } from './retention.repository';
import { ArchiveRepository } from './archive.repository';

/** The database slice of the gateway's configuration (XIETONG_DATABASE_URL). */
export const DatabaseSettings = token<DatabaseSettings>('DatabaseSettings');
export type DatabaseSettings = DatabaseConfig;

/** Every repository of this lib: each takes the module's {@link Database}. */
const REPOSITORIES: (new (db: Database) => object)[] = [
  MessageRepository,
  OutboxRepository,
  QuarantineRepository,
  CaseRepository,
  AuditRepository,
  ManifestArchiveRepository,
  PersonalDataAccessRepository,
  WebhookRepository,
  RetentionRepository,
  ArchiveRepository,
];

const repository = <R>(Repository: new (db: Database) => R) =>
  provideFactory(Repository, [Database], (db) => new Repository(db));

/**
 * The gateway's database (opened and migrated at boot) and its repositories. Build it once per
 * process and import that one module wherever it is needed: each `forRoot` opens its own database.
 */
@Module({})
export class PersistenceModule {
  static forRoot(settings: DatabaseSettings): DynamicModule {
    const providers = [
      provideValue(DatabaseSettings, settings),
      provideFactory(Database, [DatabaseSettings], (s) => openDatabase(s)),
      ...REPOSITORIES.map((Repository) => repository(Repository)),
    ];
    return { module: PersistenceModule, providers, exports: providers.map((p) => p.provide) };
  }
}

/**
 * Opens the database and runs its migrations; a database that cannot be reached at boot is one
 * line (DATABASE_UNAVAILABLE, the URL without its password) and the process exits for its
 * supervisor to restart it.
 */
export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  try {
    return await Database.open(settings);
  } catch (e) {
    if (e instanceof DomainError) throw e;
    const where = settings.type === 'postgres' ? redactUrl(settings.url) : settings.file;
    throw new DomainError('DATABASE_UNAVAILABLE', `cannot open the database ${where}: ${(e as Error).message}`);
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'given in XIETONG_DATABASE_URL';
  }
}
