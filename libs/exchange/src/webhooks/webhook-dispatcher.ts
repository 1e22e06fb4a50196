import { Injectable } from '@nestjs/common';
import type { WebhookConfig } from '@xietong/config';
import { SecretBox, signWebhook } from '@xietong/crypto';
import { WebhookRepository, type ClaimedWebhookDelivery, type WebhookAttemptOutcome } from '@xietong/persistence';
import { OutboxSignal } from '../outbound/outbox-signal';
import { Logs, token, type Log } from '../tokens';
import { SsrfGuard } from './ssrf-guard';
import { planWebhookAttempt } from './webhook-attempt.planner';
import { postWebhook } from './webhook-sender';

/** Webhook delivery settings (config slice `webhooks`). */
export const WebhookSettings = token<WebhookSettings>('WebhookSettings');
export type WebhookSettings = WebhookConfig;

/** Counts of this process's attempts since it started (for /metrics). */
export interface WebhookCounts {
  delivered: number;
  failedAttempts: number;
  disabled: number;
}

/**
 * The webhook queue -> signed HTTP POSTs (run by the relay role). Claims due deliveries with a
 * lease (no transaction open during the calls), signs each with the endpoint's secret (and the
 * previous one during a rotation's overlap) per Standard Webhooks 1.0, posts them side by side
 * through the SSRF guard, and records each attempt and what it came to
 * ({@link planWebhookAttempt}). A process that dies mid-attempt leaves its deliveries due again
 * once the lease ends: at least once, always with the same `webhook-id`.
 */
@Injectable()
export class WebhookDispatcher {
  readonly counts: WebhookCounts = { delivered: 0, failedAttempts: 0, disabled: 0 };
  private readonly signal = new OutboxSignal();
  private readonly log: Log;
  private running = false;
  private loop?: Promise<void>;
  private unwatch?: Promise<(() => Promise<void>) | undefined>;

  constructor(
    private readonly repo: WebhookRepository,
    private readonly settings: WebhookSettings,
    private readonly box: SecretBox,
    private readonly guard: SsrfGuard,
    logs: Logs,
  ) {
    this.log = logs('Webhooks');
    repo.onRecord(() => this.signal.notify());
  }

  /** Wakes the loop now (a re-delivery asked for, an endpoint enabled). */
  wake(): void {
    this.signal.notify();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unwatch = this.repo
      .watch(
        () => this.signal.notify(),
        (e) => this.log('warn', `webhook wake-up connection lost, polling meanwhile: ${e.message}`),
      )
      .catch(() => undefined);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.signal.notify();
    await this.loop;
    await (
      await this.unwatch
    )?.();
  }

  /** One batch of attempts; returns how many deliveries were attempted. */
  async tick(now = new Date()): Promise<number> {
    const lease = new Date(now.getTime() + this.settings.timeoutMs + 30_000);
    const claimed = await this.repo.claim(this.settings.batchSize, now, lease);
    if (claimed.length === 0) return 0;
    const outcomes = await Promise.all(claimed.map((d) => this.attempt(d)));
    await this.repo.complete(outcomes);
    for (const o of outcomes) {
      if (o.next.kind === 'delivered') this.counts.delivered++;
      else {
        this.counts.failedAttempts++;
        this.log(
          'warn',
          `webhook ${o.delivery.eventId} to endpoint ${o.delivery.endpointId} failed (attempt ${o.delivery.attempts + 1}, ` +
            `${o.next.kind === 'retry' ? `next at ${o.next.at.toISOString()}` : 'no more retries'}): ${o.error ?? ''}`,
        );
      }
      if (o.disable) {
        this.counts.disabled++;
        this.log('error', `webhook endpoint ${o.delivery.endpointId} disabled: ${o.disable}`);
      }
    }
    return claimed.length;
  }

  private async attempt(d: ClaimedWebhookDelivery): Promise<WebhookAttemptOutcome> {
    const started = new Date();
    let secrets: string[];
    try {
      secrets = [this.box.open(d.secret)];
      if (d.previousSecret && d.previousSecretUntil && d.previousSecretUntil > started)
        secrets.push(this.box.open(d.previousSecret));
    } catch (e) {
      return planWebhookAttempt(d, { durationMs: 0, error: (e as Error).message }, started, this.settings);
    }
    const timestamp = Math.floor(started.getTime() / 1000);
    const headers = {
      'webhook-id': d.eventId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(secrets, d.eventId, timestamp, d.payload),
    };
    const response = await postWebhook(d.url, headers, d.payload, {
      guard: this.guard,
      timeoutMs: this.settings.timeoutMs,
    });
    return planWebhookAttempt(d, response, started, this.settings);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const n = await this.tick();
        failures = 0;
        if (n >= this.settings.batchSize) continue;
        await this.signal.wait(this.settings.pollMs);
      } catch (e) {
        failures++;
        const wait = Math.min(30_000, 100 * 2 ** Math.min(failures, 10));
        this.log('error', `webhook cycle failed (${failures}x), next try in ${wait} ms: ${(e as Error).message}`);
        await this.signal.wait(wait);
      }
    }
  }
}
