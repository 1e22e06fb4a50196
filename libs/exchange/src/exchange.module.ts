import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type Provider,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { Failpoints, type GatewayConfig } from '@xietong/config';
import { ManifestStore, readJwk } from '@xietong/federation';
import { BrokerStatus, createKafka, InboxConsumer, RecordPublisher, TopicLimits } from '@xietong/messaging';
import { DomainError } from '@xietong/contracts';
import {
  ArchiveRepository,
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
import { RelayService, RelaySettings } from './outbound/relay.service';
import { SubmitMessageUseCase } from './outbound/submit-message.use-case';
import { DivisionCodes, JurisdictionRouter, TimeLimits, WorkingDayCalendar } from '@xietong/workflow';
import { CaseTracker } from './cases/case-tracker';
import { DeadlineSupervisor } from './cases/deadline-supervisor';
import { AuditChainer, DEFAULT_AUDIT_CHAINER } from './audit/chainer';
import { AuditCheckpointer, CheckpointCadence, CheckpointStore } from './audit/checkpoint-scheduler';
import { CheckpointTimestamper } from './audit/checkpoint-timestamper';
import { CheckpointWitnessing } from './audit/checkpoint-witnessing';
import { ExchangeMetrics } from './exchange-metrics';
import { MonthlyReport } from './reporting/monthly-report';
import {
  AgencyId,
  GATEWAY_CONFIG,
  KAFKA,
  Logs,
  provideFactory,
  provideValue,
  RecordSigner,
  SchedulerSettings,
  type Log,
} from './tokens';
import { WireCodec } from './wire-codec';

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
 * inbound processing, wired from a validated {@link GatewayConfig}. The exchange's services are
 * `@Injectable` classes resolved by their constructor types; config slices and the logger come
 * through typed tokens (./tokens), and classes of other libs through typed factories.
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
        provideValue(GATEWAY_CONFIG, config),
        ...configProviders(config),
        provideFactory(Database, [], () => openDatabase(config)),
        provideFactory(ManifestStore, [ManifestArchiveRepository], async (archive) =>
          ManifestStore.open({
            file: config.federation.manifestFile,
            authorityJwk: await readConfigFile(
              () => readJwk(config.federation.authorityKeyFile),
              `cannot read the zone authority key ${config.federation.authorityKeyFile} (XIETONG_AUTHORITY_KEY_FILE)`,
            ),
            refreshMs: config.federation.refreshMs,
            federationId: config.federation.id,
            archive,
            log,
          }),
        ),
        provideFactory(LocalKeys, [], () =>
          LocalKeys.load(config.federation.signingKeyFile, config.federation.encryptionKeyFile),
        ),
        provideFactory(RecordSigner, [LocalKeys], (keys) => keys.signer),
        provideFactory(WireCodec, [], () =>
          readConfigFile(
            async () => new WireCodec(config.schemasDir),
            `cannot read the Avro schemas in ${config.schemasDir} (XIETONG_SCHEMAS_DIR)`,
          ),
        ),
        provideFactory(Failpoints, [], () => {
          const f = new Failpoints(config.failpoints);
          if (f.armed.length > 0)
            logger.warn(`TEST FAILPOINTS ARMED, this process will kill itself: ${f.armed.join(', ')}`);
          return f;
        }),
        provideFactory(
          BrokerStatus,
          [ManifestStore],
          (manifests) =>
            new BrokerStatus({
              settings: config.kafka,
              topics: [
                manifests.lastKnown.requireMember(config.agencyId).inbox,
                manifests.lastKnown.deadLetterTopic(config.agencyId),
              ],
              log: logFor(new Logger(`Kafka ${config.agencyId}`)),
            }),
        ),
        provideFactory(KAFKA, [BrokerStatus], (broker) => createKafka(config.kafka, log, broker)),
        provideFactory(RecordPublisher, [KAFKA], (kafka) => new RecordPublisher(kafka, {}, log)),
        provideFactory(
          TopicLimits,
          [KAFKA, BrokerStatus],
          (kafka, broker) =>
            new TopicLimits(kafka, { defaultMaxMessageBytes: config.kafka.maxMessageBytes }, log, broker),
        ),
        ...repositoryProviders(),
        ...workflowProviders(),
        OutboxSignal,
        ExchangeMetrics,
        MonthlyReport,
        CheckpointWitnessing,
        provideFactory(CheckpointStore, [CheckpointWitnessing], (witnessing) => witnessing),
        CheckpointTimestamper,
        AuditCheckpointer,
        CaseTracker,
        RecordVerifier,
        SubmitMessageUseCase,
        RelayService,
        InboundService,
        DeadlineSupervisor,
        ExchangeLifecycle,
      ],
      exports: [
        GATEWAY_CONFIG,
        AgencyId,
        Logs,
        RecordSigner,
        ManifestArchiveRepository,
        MonthlyReport,
        AuditRepository,
        AuditCheckpointer,
        CheckpointTimestamper,
        ArchiveRepository,
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

/** The config slices the exchange's services take, and where they log. */
export function configProviders(config: GatewayConfig): Provider[] {
  return [
    provideValue(AgencyId, config.agencyId),
    provideValue(RelaySettings, config.relay),
    provideValue(SchedulerSettings, config.scheduler),
    provideValue(CheckpointCadence, {
      intervalMs: config.audit.checkpointIntervalMs,
      entries: config.audit.checkpointEntries,
    }),
    provideValue(Logs, (context) => logFor(new Logger(`${context} ${config.agencyId}`))),
  ];
}

/** The repositories of libs/persistence, on the module's {@link Database}. */
export function repositoryProviders(): Provider[] {
  return [
    provideFactory(MessageRepository, [Database], (db) => new MessageRepository(db)),
    provideFactory(OutboxRepository, [Database], (db) => new OutboxRepository(db)),
    provideFactory(QuarantineRepository, [Database], (db) => new QuarantineRepository(db)),
    provideFactory(CaseRepository, [Database], (db) => new CaseRepository(db)),
    provideFactory(AuditRepository, [Database], (db) => new AuditRepository(db)),
    provideFactory(ManifestArchiveRepository, [Database], (db) => new ManifestArchiveRepository(db)),
    provideFactory(ArchiveRepository, [Database], (db) => new ArchiveRepository(db)),
  ];
}

/** The rules of libs/workflow, as data loaded once (calendar, time limits, divisions, jurisdiction). */
export function workflowProviders(): Provider[] {
  return [
    provideFactory(WorkingDayCalendar, [], () => WorkingDayCalendar.load()),
    provideFactory(TimeLimits, [WorkingDayCalendar], (calendar) => TimeLimits.load(calendar)),
    provideFactory(DivisionCodes, [], () => DivisionCodes.load()),
    provideFactory(JurisdictionRouter, [], () => JurisdictionRouter.load()),
  ];
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
    if (e instanceof DomainError) throw e;
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
