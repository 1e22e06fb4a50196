import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { readConfigFile, type GatewayConfig } from '@xietong/config';
import { DomainError } from '@xietong/contracts';
import { SecretBox } from '@xietong/crypto';
import { FederationModule, ManifestStore } from '@xietong/federation';
import { InboxConsumer, KAFKA, MessagingModule, WatchedTopics } from '@xietong/messaging';
import { AuditRepository, ManifestArchiveRepository, MessageRepository, PersistenceModule } from '@xietong/persistence';
import { WorkflowModule } from '@xietong/workflow';
import { AuditChainer, DEFAULT_AUDIT_CHAINER } from './audit/chainer';
import { AuditCheckpointer, CheckpointCadence, CheckpointStore } from './audit/checkpoint-scheduler';
import { CheckpointTimestamper } from './audit/checkpoint-timestamper';
import { CheckpointWitnessing } from './audit/checkpoint-witnessing';
import { CaseTracker } from './cases/case-tracker';
import { DeadlineSupervisor } from './cases/deadline-supervisor';
import { ErasureNotices } from './control/erasure-notices';
import { PersonalDataEraser, StoredPersonalDataEraser } from './control/personal-data-eraser';
import { PingService } from './control/ping.service';
import { ExchangeLifecycle } from './exchange-lifecycle';
import { ExchangeMetrics } from './exchange-metrics';
import { InboundService, InboundSettings } from './inbound/inbound.service';
import { RecordVerifier } from './inbound/record-verifier';
import { LocalKeys } from './local-keys';
import { OutboxSignal } from './outbound/outbox-signal';
import { RelayService, RelaySettings } from './outbound/relay.service';
import { SubmitMessageUseCase } from './outbound/submit-message.use-case';
import { MonthlyReport } from './reporting/monthly-report';
import { AgencyId, AuditSettings, Logs, provideFactory, provideValue, RecordSigner, SchedulerSettings } from './tokens';
import { WireCodec } from './wire-codec';
import { ArchiveCoverage } from './retention/archive-coverage';
import { DatabaseArchiveCoverage } from './archive/archive-coverage';
import { PersonalDataErasure } from './retention/personal-data-erasure';
import { RetentionSettings, RetentionWorker } from './retention/retention-worker';
import { SsrfGuard } from './webhooks/ssrf-guard';
import { WebhookAdmin } from './webhooks/webhook-admin';
import { WebhookDispatcher, WebhookSettings } from './webhooks/webhook-dispatcher';

/** The services of this lib that other modules use (the HTTP layer, the apps). */
const SERVICES = [
  MonthlyReport,
  AuditCheckpointer,
  CheckpointWitnessing,
  DeadlineSupervisor,
  CaseTracker,
  SubmitMessageUseCase,
  RelayService,
  InboundService,
  ExchangeMetrics,
  PingService,
  WebhookDispatcher,
  WebhookAdmin,
  PersonalDataErasure,
  RetentionWorker,
];

/**
 * The signed exchange of one agency gateway: keys, codec, relay, inbound processing, cases and the
 * audit chain, on the modules of the libs below it (persistence, messaging, federation, workflow),
 * which it builds once from a validated {@link GatewayConfig} and exports again. Not global: a module
 * that uses the exchange imports it. The process's identity, roles and logger come from
 * `GatewayConfigModule` (libs/config), which the app imports beside it.
 */
@Module({})
export class ExchangeModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const persistence = PersistenceModule.forRoot(config.database);
    const federation = FederationModule.forRoot({
      settings: config.federation,
      archive: ManifestArchiveRepository,
      imports: [persistence],
    });
    const messaging = MessagingModule.forRoot({
      settings: config.kafka,
      imports: [federation],
      watchedTopics: provideFactory(WatchedTopics, [ManifestStore, AgencyId], (manifests, self) => [
        manifests.lastKnown.requireMember(self).inbox,
        manifests.lastKnown.deadLetterTopic(self),
      ]),
    });
    const libs = [persistence, federation, messaging, WorkflowModule];
    return {
      module: ExchangeModule,
      imports: libs,
      providers: [
        ...configProviders(config),
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
        OutboxSignal,
        provideFactory(SecretBox, [], () => SecretBox.open(config.webhooks.keyFile, 'XIETONG_WEBHOOK_KEY_FILE')),
        provideFactory(SsrfGuard, [], () => new SsrfGuard(config.webhooks.allowPrivate)),
        provideFactory(CheckpointStore, [CheckpointWitnessing], (witnessing) => witnessing),
        // A partner's erasure notice erases as retention does.
        { provide: PersonalDataEraser, useClass: StoredPersonalDataEraser },
        { provide: ArchiveCoverage, useClass: DatabaseArchiveCoverage },
        ErasureNotices,
        CheckpointTimestamper,
        RecordVerifier,
        ...SERVICES,
        auditChainerProvider,
        ...(config.roles.has('inbound') ? [inboxConsumerProvider] : []),
        ExchangeLifecycle,
      ],
      exports: [
        ...libs,
        AuditSettings,
        RecordSigner,
        CheckpointTimestamper,
        LocalKeys,
        WireCodec,
        PersonalDataEraser,
        ArchiveCoverage,
        ...SERVICES,
        ...(config.roles.has('inbound') ? [InboxConsumer] : []),
      ],
    };
  }
}

/** The config slices the exchange's services take. */
export function configProviders(config: GatewayConfig): Provider[] {
  return [
    provideValue(RelaySettings, config.relay),
    provideValue(InboundSettings, config.inbound),
    provideValue(RetentionSettings, config.retention),
    provideValue(WebhookSettings, config.webhooks),
    provideValue(SchedulerSettings, config.scheduler),
    provideValue(AuditSettings, config.audit),
    provideValue(CheckpointCadence, {
      intervalMs: config.audit.checkpointIntervalMs,
      entries: config.audit.checkpointEntries,
    }),
  ];
}

/**
 * Moves audit events written by finished transactions into the hash chain; woken by every append
 * of this process's audit repository.
 */
const auditChainerProvider = provideFactory(AuditChainer, [AuditRepository, Logs], (audit, logs) => {
  const appended = new OutboxSignal();
  audit.onAppend(() => appended.notify());
  const log = logs('Exchange');
  return new AuditChainer(audit, appended, DEFAULT_AUDIT_CHAINER, (m) => log('error', m));
});

/**
 * The consumer of this agency's inbox (its topic from the manifest, one group per agency). Topic
 * and group names come from the federation id, which no later manifest changes, so the last known
 * manifest names them even when it has expired.
 */
const inboxConsumerProvider = provideFactory(
  InboxConsumer,
  [KAFKA, ManifestStore, MessageRepository, InboundSettings, AgencyId, Logs],
  (kafka, manifests, messages, settings, self, logs) =>
    new InboxConsumer(kafka, {
      storedOffsets: (topic) => messages.lastStoredOffsets(topic),
      groupId: manifests.lastKnown.inboundGroup(self),
      topic: manifests.lastKnown.requireMember(self).inbox,
      concurrency: settings.concurrency,
      log: logs('Inbox'),
      // The manifest store logs the expiry once; batches wait for a new manifest without a line per retry.
      reportedElsewhere: (e) => e instanceof DomainError && e.code === 'MANIFEST_EXPIRED',
    }),
);
