import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { CASE_KINDS } from '@xietong/contracts';
import { AgencyId, ExchangeMetrics, InboundService, LocalKeys, Roles } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { KAFKA } from '@xietong/messaging';
import {
  AuditRepository,
  CaseRepository,
  MessageRepository,
  OutboxRepository,
  QuarantineRepository,
  WebhookRepository,
  RetentionRepository,
} from '@xietong/persistence';
import { shanghaiDate } from '@xietong/workflow';
import { AcceptsScrapeCredential } from '../auth/scrape-credential';
import { AnonymousAccessTally } from './anonymous-access';
import { registerDeliveryHealthGauges } from './delivery-health-gauges';

/**
 * Prometheus metrics. The gauges are computed from the database and the broker at scrape time so
 * that every instance of a gateway reports the same figures: messages by type and outcome,
 * quarantine by reason, pending outbox rows and the oldest one's age, the last receipt per partner,
 * overdue cases, inbox consumer lag (and whether the broker answered for it), manifest and key
 * expiry. This process's own: the Node.js and process defaults, the delivery and publish latency
 * histograms, and the redelivered records its inbound consumer skipped since it started.
 */
@Controller()
export class MetricsController {
  private readonly registry = new Registry();

  constructor(
    private readonly self: AgencyId,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly messages: MessageRepository,
    private readonly quarantine: QuarantineRepository,
    private readonly outbox: OutboxRepository,
    private readonly cases: CaseRepository,
    private readonly manifests: ManifestStore,
    private readonly inbound: InboundService,
    exchange: ExchangeMetrics,
    private readonly keys: LocalKeys,
    private readonly audit: AuditRepository,
    anonymous: AnonymousAccessTally,
    private readonly webhooks: WebhookRepository,
    private readonly retention: RetentionRepository,
  ) {
    this.registry.setDefaultLabels({ agency: self });
    collectDefaultMetrics({ register: this.registry });
    this.registry.registerMetric(exchange.delivery);
    this.registry.registerMetric(exchange.publish);
    const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => Promise<void>) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        async collect() {
          this.reset();
          await collect(this);
        },
      });
    gauge(
      'xietong_messages',
      'Messages stored, by direction, type and status (pending, sent, accepted, rejected, failed: never deliverable, see reason)',
      ['direction', 'type', 'status'],
      async (g) => {
        for (const c of await this.messages.counts())
          g.set({ direction: c.direction, type: c.type, status: c.status }, c.n);
      },
    );
    gauge('xietong_quarantined', 'Records quarantined, by reason code', ['reason'], async (g) => {
      for (const [reason, n] of Object.entries(await this.quarantine.countsByReason())) g.set({ reason }, n);
    });
    gauge('xietong_outbox_pending', 'Outbox rows not yet published', [], async (g) =>
      g.set(await this.outbox.pendingCount()),
    );
    gauge(
      'xietong_webhook_deliveries_pending',
      'Webhook deliveries not yet made (due or waiting to retry)',
      [],
      async (g) => g.set((await this.webhooks.status()).pending),
    );
    gauge(
      'xietong_webhook_endpoints_disabled',
      'Webhook endpoints disabled (410 Gone, failing too long, or by an admin), by reason',
      ['reason'],
      async (g) => {
        for (const d of (await this.webhooks.status()).disabled)
          g.inc({ reason: (d.reason ?? 'unknown').split(':')[0] });
      },
    );
    gauge('xietong_cases_overdue', 'Transferred cases whose running clock has passed, by kind', ['kind'], async (g) => {
      const counts = await this.cases.overdueCounts(shanghaiDate(new Date()));
      for (const kind of CASE_KINDS)
        g.set(
          { kind },
          counts.filter((c) => c.kind === kind).reduce((n, c) => n + c.n, 0),
        );
    });
    registerDeliveryHealthGauges(this.registry, {
      oldestPendingAt: () => this.outbox.oldestPendingAt(),
      receiptsByPartner: () => this.messages.receiptsByPartner(),
      lag: () => this.lag(),
    });
    const service = this.inbound;
    new Counter({
      name: 'xietong_inbound_redelivered_total',
      help: 'Records the broker delivered again (offsets not committed before a restart) that this process skipped, already stored from the same position',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(service.redelivered);
      },
    });
    new Counter({
      name: 'xietong_http_anonymous_requests_total',
      help: 'API and console requests without a signed-in caller (refused, or the sign-in pages), counted in the audit log once per interval',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(anonymous.total);
      },
    });
    gauge(
      'xietong_manifest_expiry_timestamp_seconds',
      'When the federation manifest in force expires (Unix time); alert on it minus time()',
      [],
      async (g) => g.set(this.manifests.lastKnown.expiresAt.getTime() / 1000),
    );
    gauge(
      'xietong_manifest_expiry_seconds',
      'DEPRECATED, use xietong_manifest_expiry_timestamp_seconds - time(): seconds until the manifest in force expires',
      [],
      async (g) => g.set((this.manifests.lastKnown.expiresAt.getTime() - Date.now()) / 1000),
    );
    gauge(
      'xietong_signing_key_expiry_timestamp_seconds',
      "notAfter of this agency's signing keys in the manifest in force (Unix time); in_use marks the key this gateway signs with",
      ['kid', 'in_use'],
      async (g) => {
        for (const k of this.manifests.lastKnown.member(this.self)?.signingKeys ?? [])
          g.set({ kid: k.kid, in_use: String(k.kid === this.keys.signer.kid) }, Date.parse(k.notAfter) / 1000);
      },
    );
    gauge(
      'xietong_audit_unwitnessed_since_timestamp_seconds',
      'When the oldest signed audit checkpoint no countersignature covers was signed (Unix time; 0 when partners witnessed every one); alert on time() minus it',
      [],
      async (g) => g.set(((await this.audit.unwitnessedSince(this.self))?.getTime() ?? 0) / 1000),
    );
    gauge(
      'xietong_audit_countersigned_timestamp_seconds',
      "When each partner last countersigned one of this agency's audit checkpoints (Unix time, as received here)",
      ['witness'],
      async (g) => {
        for (const [witness, at] of await this.audit.lastCountersigned(this.self))
          g.set({ witness }, at.getTime() / 1000);
      },
    );
    this.retentionMetrics();
  }

  /** What the retention worker removed, from the tally it keeps in the database (any process runs it). */
  private retentionMetrics(): void {
    const tally = () => this.retention.tally();
    new Counter({
      name: 'xietong_retention_deleted_total',
      help: 'Rows the retention worker deleted, by data class (docs/retention.md)',
      labelNames: ['class'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const t of await tally()) if (t.class !== 'personal-data') this.inc({ class: t.class }, t.total);
      },
    });
    new Counter({
      name: 'xietong_retention_erased_total',
      help: 'Stored messages whose personal data the retention worker erased',
      registers: [this.registry],
      async collect() {
        this.reset();
        this.inc((await tally()).find((t) => t.class === 'personal-data')?.total ?? 0);
      },
    });
    new Gauge({
      name: 'xietong_retention_last_run_timestamp_seconds',
      help: 'When the retention worker last completed a run (Unix time; 0 before the first); alert on time() minus it',
      registers: [this.registry],
      async collect() {
        this.set(Math.max(0, ...(await tally()).map((t) => t.lastRunAt.getTime())) / 1000);
      },
    });
  }

  @Get('metrics')
  @Roles('auditor')
  @AcceptsScrapeCredential()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    return this.registry.metrics();
  }

  private async lag(): Promise<[number, number][]> {
    const topic = this.manifests.lastKnown.member(this.self)?.inbox;
    if (!topic) return [];
    // One quick retry: a scrape waits for this (the gauges give up after LAG_TIMEOUT_MS).
    const admin = this.kafka.admin({ retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 } });
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const [group] = await admin.fetchOffsets({
        groupId: this.manifests.lastKnown.inboundGroup(this.self),
        topics: [topic],
      });
      return ends.map((e) => {
        const committed = Number(group?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1);
        return [e.partition, Math.max(0, Number(e.offset) - Math.max(0, committed))];
      });
    } finally {
      await admin.disconnect();
    }
  }
}
