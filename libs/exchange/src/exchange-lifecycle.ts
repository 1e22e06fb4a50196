import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DomainError } from '@xietong/contracts';
import { ManifestStore } from '@xietong/federation';
import { BrokerStatus, RecordPublisher, TopicLimits } from '@xietong/messaging';
import { Database, ManifestArchiveRepository } from '@xietong/persistence';
import { AuditChainer } from './audit/chainer';
import { AuditCheckpointer } from './audit/checkpoint-scheduler';
import { DeadlineSupervisor } from './cases/deadline-supervisor';
import { InboundService, InboundSettings } from './inbound/inbound.service';
import { RelayService } from './outbound/relay.service';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { RetentionWorker } from './retention/retention-worker';
import { GatewayRoles, Logs, type Log } from './tokens';

/**
 * Checks once that the cluster holds this agency's topics (the zone operator creates them), then
 * keeps watching it; runs the relay loop and the deadline checks when those roles are configured.
 */
@Injectable()
export class ExchangeLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log: Log;
  private deadLetterSweep?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;

  constructor(
    private readonly roles: GatewayRoles,
    private readonly inboundSettings: InboundSettings,
    private readonly manifests: ManifestStore,
    private readonly relay: RelayService,
    private readonly supervisor: DeadlineSupervisor,
    private readonly publisher: RecordPublisher,
    private readonly db: Database,
    private readonly archive: ManifestArchiveRepository,
    private readonly chainer: AuditChainer,
    private readonly inbound: InboundService,
    private readonly checkpointer: AuditCheckpointer,
    private readonly limits: TopicLimits,
    private readonly broker: BrokerStatus,
    private readonly webhooks: WebhookDispatcher,
    private readonly retention: RetentionWorker,
    logs: Logs,
  ) {
    this.log = logs('Exchange');
  }

  async onApplicationBootstrap(): Promise<void> {
    this.manifests.onChange(
      (serial, jws) =>
        void this.archive
          .keep(serial, jws)
          .catch((e) => this.log('error', `could not archive manifest ${serial}: ${(e as Error).message}`)),
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
    if (this.roles.has('inbound')) {
      // Quarantined records whose dead-letter copy failed are re-sent once they are older than the interval.
      const every = this.inboundSettings.deadLetterRetryMs;
      this.deadLetterSweep = setInterval(() => {
        if (!this.broker.up) return;
        this.sweeping ??= this.inbound
          .resendDeadLetters(every)
          .catch((e) =>
            this.log('warn', `dead-letter re-send failed, will retry in ${every} ms: ${(e as Error).message}`),
          )
          .finally(() => (this.sweeping = undefined));
      }, every);
      this.deadLetterSweep.unref();
    }
    if (this.roles.has('relay')) {
      this.relay.start();
      // Webhooks go out with the relay: the role that pushes this gateway's records outward.
      this.webhooks.start();
    }
    if (this.roles.has('scheduler')) {
      this.supervisor.start();
      this.checkpointer.start();
      this.retention.start();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.broker.stop();
    if (this.deadLetterSweep) clearInterval(this.deadLetterSweep);
    await Promise.all([this.chainer.stop(), this.sweeping]);
    await this.supervisor.stop();
    await this.retention.stop();
    await this.relay.stop();
    await this.webhooks.stop();
    // Sign the final head, so nothing written before a graceful stop is outside a checkpoint.
    await this.checkpointer
      .stop()
      .catch((e) => this.log('error', `final audit checkpoint failed: ${(e as Error).message}`));
    await this.publisher.close();
    this.manifests.close();
    await this.db.close();
  }
}
