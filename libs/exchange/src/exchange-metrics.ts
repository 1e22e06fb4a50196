import { Injectable } from '@nestjs/common';
import { Histogram } from 'prom-client';

/** Seconds: from a few milliseconds on one machine to a day behind a broker outage. */
const DELIVERY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400];
const PUBLISH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Latencies this process observes while it exchanges messages, for the gateway's `/metrics`
 * (one instance per gateway; the HTTP side registers the histograms in its registry). Unlike the
 * gauges read from the database at scrape time, these are the observing process's own: a relay
 * or inbound instance without the http role has no `/metrics` to show them.
 */
@Injectable()
export class ExchangeMetrics {
  /** Envelope `createdAt` (the sender's submission) to the commit of the row at this recipient. */
  readonly delivery = new Histogram({
    name: 'xietong_delivery_latency_seconds',
    help: "Submission at the sender (envelope createdAt, the sender's clock) to the commit of the stored message at this recipient, by type; clock skew between the gateways is included, a negative span counts as 0",
    labelNames: ['type'],
    buckets: DELIVERY_BUCKETS,
    registers: [],
  });

  /** Outbox rows claimed by the relay to the broker's acknowledgement, per record acknowledged. */
  readonly publish = new Histogram({
    name: 'xietong_publish_latency_seconds',
    help: 'Relay: outbox rows claimed to the broker acknowledging the record (signing and the produce request), per record published',
    buckets: PUBLISH_BUCKETS,
    registers: [],
  });

  observeDelivered(stored: { type: string; createdAt: Date | string }[], committedAt: Date): void {
    for (const m of stored) {
      const created = new Date(m.createdAt).getTime();
      if (Number.isNaN(created)) continue;
      this.delivery.observe({ type: m.type }, Math.max(0, committedAt.getTime() - created) / 1000);
    }
  }

  observePublished(records: number, seconds: number): void {
    for (let i = 0; i < records; i++) this.publish.observe(seconds);
  }
}
