import { Controller, Get, Inject, Optional, Res, type OnModuleDestroy } from '@nestjs/common';
import type { Response } from 'express';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { GatewayConfig } from '@xietong/config';
import { AgencyId, AuditSettings, CheckpointTimestamper, GATEWAY_CONFIG, Public } from '@xietong/exchange';
import { FederationSettings, ManifestStore } from '@xietong/federation';
import { BrokerSettings, BrokerStatus } from '@xietong/messaging';
import { AuditRepository, Database, OutboxRepository, WebhookRepository } from '@xietong/persistence';

/** Each database question of a health request gets at most this long: the whole answer stays under a second. */
const DB_TIMEOUT_MS = 750;

type Part = { status: 'up' | 'down'; error?: string };

/**
 * Liveness (`/health/live`: the process answers), readiness (`/health/ready`: database, Kafka
 * and a valid manifest) and the detailed readiness view (`/health`, with the outbox and the queue
 * tables). Kafka's state comes from the background check of {@link BrokerStatus}, never from a
 * connection per request, so every answer takes milliseconds even while the cluster is down.
 */
@Controller('health')
export class HealthController implements OnModuleDestroy {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private readonly started = Date.now();

  constructor(
    private readonly self: AgencyId,
    private readonly auditSettings: AuditSettings,
    private readonly brokerSettings: BrokerSettings,
    private readonly federation: FederationSettings,
    private readonly broker: BrokerStatus,
    private readonly db: Database,
    private readonly manifests: ManifestStore,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditRepository,
    private readonly webhooks: WebhookRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Optional() private readonly stamper?: CheckpointTimestamper,
  ) {
    this.loop.enable();
  }

  onModuleDestroy(): void {
    this.loop.disable();
  }

  /** The process is up and its event loop turns (a blocked loop shows as no answer). */
  @Get('live')
  @Public()
  live(): object {
    const delay = { maxMs: round(this.loop.max / 1e6), p99Ms: round(this.loop.percentile(99) / 1e6) };
    this.loop.reset();
    return {
      status: 'up',
      agency: this.self,
      uptimeS: Math.round((Date.now() - this.started) / 1000),
      eventLoopDelay: delay,
    };
  }

  /** 200 when the gateway can do its work, 503 naming each reason it cannot. */
  @Get('ready')
  @Public()
  async ready(@Res() res: Response): Promise<void> {
    const r = await this.readiness();
    res.status(r.reasons.length === 0 ? 200 : 503).json({
      status: r.reasons.length === 0 ? 'up' : 'degraded',
      agency: this.self,
      reasons: r.reasons,
    });
  }

  @Get()
  @Public()
  async health(@Res() res: Response): Promise<void> {
    // Asked side by side, each within the same bound: the answer comes within a second whatever is down.
    const [r, outboxPending, queues, audit, webhooks] = await Promise.all([
      this.readiness(),
      within(this.outbox.pendingCount(), DB_TIMEOUT_MS).catch(() => null),
      // Reported, not failed on: a bloated queue slows the gateway down but loses nothing.
      within(this.db.queueHealth(), DB_TIMEOUT_MS).catch(() => undefined),
      // Reported, not failed on: an unwitnessed chain is evidence at risk, not a gateway that cannot work.
      within(this.witnessing(), DB_TIMEOUT_MS).catch(() => undefined),
      // Reported, not failed on: a county system not taking its webhooks does not stop the exchange.
      within(this.webhookHealth(), DB_TIMEOUT_MS).catch(() => undefined),
    ]);
    res.status(r.reasons.length === 0 ? 200 : 503).json({
      status: r.reasons.length === 0 ? 'up' : 'degraded',
      agency: this.self,
      reasons: r.reasons,
      database: r.database,
      kafka: r.kafka,
      manifest: r.manifest,
      outboxPending,
      ...(queues ? { queues } : {}),
      ...(audit ? { audit } : {}),
      ...(webhooks ? { webhooks } : {}),
      timestamps: this.timestamps(),
    });
  }

  /** Webhooks still to deliver, and a note naming endpoints disabled (410, long failure) or failing. */
  private async webhookHealth() {
    const s = await this.webhooks.status();
    const notes = [
      ...s.disabled.map((d) => `endpoint ${d.id} disabled: ${d.reason ?? 'unknown'}`),
      ...s.failing.map((f) => `endpoint ${f.id} failing since ${f.since.toISOString()}`),
    ];
    return {
      status: notes.length === 0 ? ('ok' as const) : ('warn' as const),
      endpoints: s.endpoints,
      pending: s.pending,
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    };
  }

  /** Whether archives and checkpoints get RFC 3161 tokens, and whether the TSA answers. */
  private timestamps() {
    if (!this.config.tsa)
      return {
        tsa: null,
        note: 'archives/checkpoints are not timestamped: no TSA is configured (XIETONG_TSA_URL, XIETONG_TSA_CERT_FILE)',
      };
    const failures = this.stamper?.failures ?? 0;
    return {
      tsa: this.config.tsa.url,
      ...(failures > 0
        ? {
            note: `the TSA failed ${failures} time(s) in a row (${this.stamper?.lastError}): checkpoints wait for their timestamp tokens`,
          }
        : {}),
    };
  }

  /**
   * Whether partners witness the audit chain: since when a signed checkpoint waits for a
   * countersignature (of it or of a later one), and a note once that is longer than allowed.
   */
  private async witnessing() {
    const since = await this.audit.unwitnessedSince(this.self);
    const staleMs = this.auditSettings.witnessStaleMs;
    const stale = since !== undefined && Date.now() - since.getTime() > staleMs;
    return {
      unwitnessedSince: since?.toISOString() ?? null,
      ...(stale
        ? {
            note: `no partner has countersigned a checkpoint signed since ${since.toISOString()} (over ${Math.round(staleMs / 60_000)} min): check the witnessing partners' gateways and the relay`,
          }
        : {}),
    };
  }

  private async readiness() {
    const database: Part = await within(this.db.ping(), DB_TIMEOUT_MS).then(
      () => ({ status: 'up' }),
      (e: Error) => ({ status: 'down', error: e.message }),
    );
    const b = this.broker.state;
    const kafka = {
      status: b.status,
      ...(b.reason ? { error: b.reason } : {}),
      brokers: this.brokerSettings.brokers,
      since: b.since.toISOString(),
      checkedAt: b.checkedAt?.toISOString() ?? null,
    };
    const m = this.manifests.lastKnown;
    const manifest = {
      status: m.expiresAt.getTime() > Date.now() ? 'up' : 'expired',
      serial: m.serial,
      expiresAt: m.manifest.expiresAt,
    };
    const reasons: string[] = [];
    if (database.status !== 'up') reasons.push(`database: ${database.error}`);
    if (b.status !== 'up')
      reasons.push(`kafka (KAFKA_BROKERS=${kafka.brokers.join(',')}): ${b.reason ?? 'not checked yet'}`);
    if (manifest.status !== 'up')
      reasons.push(
        `manifest: serial ${m.serial} expired at ${m.manifest.expiresAt}; waiting for a newer one at ${this.federation.manifestFile}`,
      );
    return { database, kafka, manifest, reasons };
  }
}

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
