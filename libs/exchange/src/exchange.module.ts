import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { Failpoints, type GatewayConfig } from '@xietong/config';
import { ManifestStore, readJwk } from '@xietong/federation';
import { BrokerStatus, createKafka, InboxConsumer, RecordPublisher, TopicLimits } from '@xietong/messaging';
import { DomainError } from '@xietong/contracts';
import {
  AuditRepository,
  CaseRepository,
  Database,
  ManifestArchiveRepository,
  MessageRepository,
  OutboxRepository,
  QuarantineRepository,
} from '@xietong/persistence';
import { InboundService } from './inbound/inbound.service';
import { LocalKeys } from './local-keys';
import { OutboxSignal } from './outbound/outbox-signal';
import { RecordVerifier } from './inbound/record-verifier';
import { RelayService } from './outbound/relay.service';
import { SubmitMessageUseCase } from './outbound/submit-message.use-case';
import { DivisionCodes, JurisdictionRouter, TimeLimits, WorkingDayCalendar } from '@xietong/workflow';
import { CaseTracker } from './cases/case-tracker';
import { DeadlineSupervisor } from './cases/deadline-supervisor';
import { AuditChainer, DEFAULT_AUDIT_CHAINER } from './audit/audit-chainer';
import { AuditCheckpointer } from './audit/audit-checkpointer';
import { CheckpointWitnessing } from './audit/checkpoint-witnessing';
import { MonthlyReport } from './reporting/monthly-report';
import { GATEWAY_CONFIG } from './tokens';
import { WireCodec } from './wire-codec';
import { ExchangeMetrics } from './exchange-metrics';

export const KAFKA = Symbol('KAFKA');

/**
 * The consumer of this agency's inbox (its topic from the manifest, one group per agency). Topic
 * and group names come from the federation id, which no later manifest changes, so the last known
 * manifest names them even when it has expired.
 */
export function createInboxConsumer(
  config: GatewayConfig,
  kafka: Kafka,
  manifests: ManifestStore,
  messages?: MessageRepository,
): InboxConsumer {
  return new InboxConsumer(kafka, {
    storedOffsets: messages ? (topic) => messages.lastStoredOffsets(topic) : undefined,
    groupId: manifests.lastKnown.inboundGroup(config.agencyId),
    topic: manifests.lastKnown.requireMember(config.agencyId).inbox,
    concurrency: config.inbound.concurrency,
    log: logFor(new Logger(`Inbox ${config.agencyId}`)),
    // The manifest store logs the expiry once; batches wait for a new manifest without a line per retry.
    reportedElsewhere: (e) => e instanceof DomainError && e.code === 'MANIFEST_EXPIRED',
  });
}

type Log = (level: 'log' | 'warn' | 'error', message: string) => void;

const logFor =
  (logger: Logger): Log =>
  (level, message) =>
    logger[level](message);

/**
 * Checks once that the cluster holds this agency's topics (the zone operator creates them), then
 * keeps watching it; runs the relay loop and the deadline checks when those roles are configured.
 */
@Injectable()
class ExchangeLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly chainer: AuditChainer;
  private deadLetterSweep?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly manifests: ManifestStore,
    private readonly relay: RelayService,
    private readonly supervisor: DeadlineSupervisor,
    private readonly publisher: RecordPublisher,
    private readonly db: Database,
    private readonly archive: ManifestArchiveRepository,
    audit: AuditRepository,
    private readonly inbound: InboundService,
    private readonly checkpointer: AuditCheckpointer,
    private readonly limits: TopicLimits,
    private readonly broker: BrokerStatus,
  ) {
    this.logger = new Logger(`Exchange ${config.agencyId}`);
    const appended = new OutboxSignal();
    audit.onAppend(() => appended.notify());
    this.chainer = new AuditChainer(audit, appended, DEFAULT_AUDIT_CHAINER, (m) => this.logger.error(m));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.manifests.onChange(
      (serial, jws) =>
        void this.archive
          .keep(serial, jws)
          .catch((e) => this.logger.error(`could not archive manifest ${serial}: ${(e as Error).message}`)),
    );
    // Topics and ACLs belong to the zone operator (`xietong kafka apply`): a gateway creates none,
    // it checks that it can reach its own. Wrong credentials or TLS settings are this gateway's
    // configuration and stop it with one line; an unreachable cluster, missing topics or ACLs are
    // fixed by time or the zone operator: the gateway runs degraded and keeps checking.
    const failure = await this.broker.check(3);
    if (failure?.fatal) throw new DomainError('KAFKA_CONNECT_FAILED', failure.reason);
    this.broker.start();
    this.broker.onUp(() => {
      // Size checks at submission use the partners' real limits (never blocks boot).
      void this.limits.prefetch(this.manifests.lastKnown.manifest.members.map((m) => m.inbox));
      // Connected ahead of the first publish; a failure here is retried by that publish.
      this.publisher.connect().catch((e) => this.broker.reportFailure(e));
    });
    // Chain audit events written by finished transactions: a few times a second while they come,
    // every 2 s when idle.
    this.chainer.start();
    if (this.config.roles.has('inbound')) {
      // Quarantined records whose dead-letter copy failed are re-sent once they are older than the interval.
      const every = this.config.inbound.deadLetterRetryMs;
      this.deadLetterSweep = setInterval(() => {
        if (!this.broker.up) return;
        this.sweeping ??= this.inbound
          .resendDeadLetters(every)
          .catch((e) =>
            this.logger.warn(`dead-letter re-send failed, will retry in ${every} ms: ${(e as Error).message}`),
          )
          .finally(() => (this.sweeping = undefined));
      }, every);
      this.deadLetterSweep.unref();
    }
    if (this.config.roles.has('relay')) this.relay.start();
    if (this.config.roles.has('scheduler')) {
      this.supervisor.start();
      this.checkpointer.start();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.broker.stop();
    if (this.deadLetterSweep) clearInterval(this.deadLetterSweep);
    await Promise.all([this.chainer.stop(), this.sweeping]);
    await this.supervisor.stop();
    await this.relay.stop();
    // Sign the final head, so nothing written before a graceful stop is outside a checkpoint.
    await this.checkpointer
      .stop()
      .catch((e) => this.logger.error(`final audit checkpoint failed: ${(e as Error).message}`));
    await this.publisher.close();
    this.manifests.close();
    await this.db.close();
  }
}

/**
 * The signed exchange of one agency gateway: database, manifest, keys, codec, relay and
 * inbound processing, wired from a validated {@link GatewayConfig}.
 */
@Module({})
export class ExchangeModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const logger = new Logger(`Gateway ${config.agencyId}`);
    const log = logFor(logger);
    return {
      module: ExchangeModule,
      global: true,
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: Database, useFactory: () => openDatabase(config) },
        {
          provide: ManifestStore,
          useFactory: async () =>
            ManifestStore.open({
              file: config.federation.manifestFile,
              authorityJwk: await readConfigFile(
                () => readJwk(config.federation.authorityKeyFile),
                `cannot read the zone authority key ${config.federation.authorityKeyFile} (XIETONG_AUTHORITY_KEY_FILE)`,
              ),
              refreshMs: config.federation.refreshMs,
              federationId: config.federation.id,
              log,
            }),
        },
        {
          provide: LocalKeys,
          useFactory: () => LocalKeys.load(config.federation.signingKeyFile, config.federation.encryptionKeyFile),
        },
        {
          provide: WireCodec,
          useFactory: () =>
            readConfigFile(
              async () => new WireCodec(config.schemasDir),
              `cannot read the Avro schemas in ${config.schemasDir} (XIETONG_SCHEMAS_DIR)`,
            ),
        },
        {
          provide: Failpoints,
          useFactory: () => {
            const f = new Failpoints(config.failpoints);
            if (f.armed.length > 0)
              logger.warn(`TEST FAILPOINTS ARMED, this process will kill itself: ${f.armed.join(', ')}`);
            return f;
          },
        },
        {
          provide: BrokerStatus,
          useFactory: (m: ManifestStore) =>
            new BrokerStatus({
              settings: config.kafka,
              topics: [m.lastKnown.requireMember(config.agencyId).inbox, m.lastKnown.deadLetterTopic(config.agencyId)],
              log: logFor(new Logger(`Kafka ${config.agencyId}`)),
            }),
          inject: [ManifestStore],
        },
        {
          provide: KAFKA,
          useFactory: (b: BrokerStatus) => createKafka(config.kafka, log, b),
          inject: [BrokerStatus],
        },
        { provide: RecordPublisher, useFactory: (kafka: Kafka) => new RecordPublisher(kafka), inject: [KAFKA] },
        {
          provide: TopicLimits,
          useFactory: (kafka: Kafka, b: BrokerStatus) =>
            new TopicLimits(kafka, { defaultMaxMessageBytes: config.kafka.maxMessageBytes }, log, b),
          inject: [KAFKA, BrokerStatus],
        },
        { provide: OutboxSignal, useFactory: () => new OutboxSignal() },
        { provide: ExchangeMetrics, useFactory: () => new ExchangeMetrics() },
        { provide: MessageRepository, useFactory: (db: Database) => new MessageRepository(db), inject: [Database] },
        { provide: OutboxRepository, useFactory: (db: Database) => new OutboxRepository(db), inject: [Database] },
        {
          provide: QuarantineRepository,
          useFactory: (db: Database) => new QuarantineRepository(db),
          inject: [Database],
        },
        { provide: CaseRepository, useFactory: (db: Database) => new CaseRepository(db), inject: [Database] },
        { provide: AuditRepository, useFactory: (db: Database) => new AuditRepository(db), inject: [Database] },
        {
          provide: ManifestArchiveRepository,
          useFactory: (db: Database) => new ManifestArchiveRepository(db),
          inject: [Database],
        },
        {
          provide: MonthlyReport,
          useFactory: (m: MessageRepository, c: CaseRepository, cal: WorkingDayCalendar) =>
            new MonthlyReport(m, c, cal),
          inject: [MessageRepository, CaseRepository, WorkingDayCalendar],
        },
        {
          provide: CheckpointWitnessing,
          useFactory: (
            m: ManifestStore,
            c: WireCodec,
            db: Database,
            mr: MessageRepository,
            o: OutboxRepository,
            a: AuditRepository,
            k: LocalKeys,
            s: OutboxSignal,
          ) =>
            new CheckpointWitnessing(
              config.agencyId,
              m,
              c,
              db,
              mr,
              o,
              a,
              k.signer,
              s,
              logFor(new Logger(`Witness ${config.agencyId}`)),
            ),
          inject: [
            ManifestStore,
            WireCodec,
            Database,
            MessageRepository,
            OutboxRepository,
            AuditRepository,
            LocalKeys,
            OutboxSignal,
          ],
        },
        {
          provide: AuditCheckpointer,
          useFactory: (a: AuditRepository, k: LocalKeys, w: CheckpointWitnessing) => {
            const logger = new Logger(`Audit ${config.agencyId}`);
            const cadence = { intervalMs: config.audit.checkpointIntervalMs, entries: config.audit.checkpointEntries };
            return new AuditCheckpointer(config.agencyId, a, k.signer, cadence, (m) => logger.warn(m), w);
          },
          inject: [AuditRepository, LocalKeys, CheckpointWitnessing],
        },
        { provide: WorkingDayCalendar, useFactory: () => WorkingDayCalendar.load() },
        {
          provide: TimeLimits,
          useFactory: (c: WorkingDayCalendar) => TimeLimits.load(c),
          inject: [WorkingDayCalendar],
        },
        { provide: DivisionCodes, useFactory: () => DivisionCodes.load() },
        {
          provide: CaseTracker,
          useFactory: (r: CaseRepository, l: TimeLimits, d: DivisionCodes) => new CaseTracker(r, l, d),
          inject: [CaseRepository, TimeLimits, DivisionCodes],
        },
        {
          provide: RecordVerifier,
          useFactory: (codec: WireCodec) => new RecordVerifier(codec, config.agencyId),
          inject: [WireCodec],
        },
        {
          provide: SubmitMessageUseCase,
          useFactory: (
            m: ManifestStore,
            c: WireCodec,
            db: Database,
            mr: MessageRepository,
            o: OutboxRepository,
            s: OutboxSignal,
            t: CaseTracker,
            d: DivisionCodes,
            a: AuditRepository,
            l: TopicLimits,
          ) => new SubmitMessageUseCase(config.agencyId, m, c, db, mr, o, s, JurisdictionRouter.load(), t, d, a, l),
          inject: [
            ManifestStore,
            WireCodec,
            Database,
            MessageRepository,
            OutboxRepository,
            OutboxSignal,
            CaseTracker,
            DivisionCodes,
            AuditRepository,
            TopicLimits,
          ],
        },
        {
          provide: RelayService,
          useFactory: (
            db: Database,
            o: OutboxRepository,
            mr: MessageRepository,
            p: RecordPublisher,
            k: LocalKeys,
            s: OutboxSignal,
            a: AuditRepository,
            f: Failpoints,
            l: TopicLimits,
            x: ExchangeMetrics,
            b: BrokerStatus,
          ) =>
            new RelayService(
              db,
              o,
              mr,
              p,
              k.signer,
              s,
              config.relay,
              logFor(new Logger(`Relay ${config.agencyId}`)),
              a,
              f,
              l,
              x,
              b,
            ),
          inject: [
            Database,
            OutboxRepository,
            MessageRepository,
            RecordPublisher,
            LocalKeys,
            OutboxSignal,
            AuditRepository,
            Failpoints,
            TopicLimits,
            ExchangeMetrics,
            BrokerStatus,
          ],
        },
        {
          provide: InboundService,
          useFactory: (
            m: ManifestStore,
            v: RecordVerifier,
            c: WireCodec,
            db: Database,
            mr: MessageRepository,
            o: OutboxRepository,
            q: QuarantineRepository,
            p: RecordPublisher,
            s: OutboxSignal,
            t: CaseTracker,
            a: AuditRepository,
            f: Failpoints,
            x: ExchangeMetrics,
            w: CheckpointWitnessing,
          ) =>
            new InboundService(
              config.agencyId,
              m.lastKnown.deadLetterTopic(config.agencyId),
              m,
              v,
              c,
              db,
              mr,
              o,
              q,
              p,
              s,
              t,
              logFor(new Logger(`Inbound ${config.agencyId}`)),
              a,
              f,
              x,
              w,
            ),
          inject: [
            ManifestStore,
            RecordVerifier,
            WireCodec,
            Database,
            MessageRepository,
            OutboxRepository,
            QuarantineRepository,
            RecordPublisher,
            OutboxSignal,
            CaseTracker,
            AuditRepository,
            Failpoints,
            ExchangeMetrics,
            CheckpointWitnessing,
          ],
        },
        {
          provide: DeadlineSupervisor,
          useFactory: (c: CaseRepository, u: SubmitMessageUseCase, cal: WorkingDayCalendar) =>
            new DeadlineSupervisor(c, u, cal, config.scheduler, logFor(new Logger(`Deadlines ${config.agencyId}`))),
          inject: [CaseRepository, SubmitMessageUseCase, WorkingDayCalendar],
        },
        ExchangeLifecycle,
      ],
      exports: [
        GATEWAY_CONFIG,
        ManifestArchiveRepository,
        MonthlyReport,
        AuditRepository,
        AuditCheckpointer,
        CheckpointWitnessing,
        DeadlineSupervisor,
        CaseRepository,
        CaseTracker,
        WorkingDayCalendar,
        TimeLimits,
        Database,
        ManifestStore,
        LocalKeys,
        WireCodec,
        KAFKA,
        BrokerStatus,
        TopicLimits,
        MessageRepository,
        OutboxRepository,
        QuarantineRepository,
        SubmitMessageUseCase,
        RelayService,
        InboundService,
        ExchangeMetrics,
      ],
    };
  }
}

/**
 * Opens the database and runs its migrations; a database that cannot be reached at boot is one
 * line (DATABASE_UNAVAILABLE, the URL without its password) and the process exits for its
 * supervisor to restart it.
 */
async function openDatabase(config: GatewayConfig): Promise<Database> {
  try {
    return await Database.open(config.database);
  } catch (e) {
    const where = config.database.type === 'postgres' ? redactUrl(config.database.url) : config.database.file;
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

/** A file of the configuration that cannot be read or parsed: CONFIG_INVALID naming it (one line at boot). */
async function readConfigFile<T>(read: () => Promise<T>, what: string): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw new DomainError('CONFIG_INVALID', `${what}: ${(e as Error).message}`);
  }
}
