import { Gauge, type Registry } from 'prom-client';

/** What the delivery-health gauges read at scrape time (the repositories in the gateway). */
export interface DeliveryHealthSources {
  /** When the oldest outbox row still waiting to be published was written. */
  oldestPendingAt(): Promise<Date | undefined>;
  /** Per partner sent to: its last receipt here and the messages to it without one (pending or sent). */
  receiptsByPartner(): Promise<{ partner: string; lastReceiptAt?: Date; awaiting: number }[]>;
  /** The inbox consumer lag by partition, read from the broker. */
  lag(): Promise<[number, number][]>;
}

/** A broker query that has not answered in this time counts as unreachable for this scrape. */
export const LAG_TIMEOUT_MS = 4_000;

/**
 * The gauges the delivery alerts of deploy/prometheus/alerts.yml need, computed at scrape time:
 * the oldest pending outbox row's age, the last receipt per partner (and what still awaits one),
 * and the inbox consumer lag with `xietong_broker_reachable` beside it. The lag comes from the
 * broker: a gateway cut off from the cluster cannot read it, so rather than fail the whole scrape
 * (every other figure would vanish with it) the lag series is left out and reachability reads 0,
 * and the alert on that survives the cut.
 */
export function registerDeliveryHealthGauges(
  registry: Registry,
  sources: DeliveryHealthSources,
  now: () => number = Date.now,
  lagTimeoutMs = LAG_TIMEOUT_MS,
): void {
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => Promise<void>) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        await collect(this);
      },
    });
  gauge(
    'xietong_outbox_oldest_age_seconds',
    'Age of the oldest outbox row not yet published (seconds; 0 when none waits)',
    [],
    async (g) => {
      const oldest = await sources.oldestPendingAt();
      g.set(oldest ? Math.max(0, (now() - oldest.getTime()) / 1000) : 0);
    },
  );
  const receipts = perScrape(() => sources.receiptsByPartner());
  gauge(
    'xietong_receipt_last_timestamp_seconds',
    'When the last receipt from each partner arrived here (Unix time); a partner never heard from has no series',
    ['partner'],
    async (g) => {
      for (const r of await receipts())
        if (r.lastReceiptAt) g.set({ partner: r.partner }, r.lastReceiptAt.getTime() / 1000);
    },
  );
  gauge(
    'xietong_receipts_awaited',
    'Messages to each partner that have no receipt yet (pending in the outbox, or sent)',
    ['partner'],
    async (g) => {
      for (const r of await receipts()) g.set({ partner: r.partner }, r.awaiting);
    },
  );
  const lag = perScrape(() => withinTime(sources.lag(), lagTimeoutMs));
  gauge('xietong_consumer_lag', 'Records in the inbox not yet processed, by partition', ['partition'], async (g) => {
    for (const [partition, n] of (await lag()) ?? []) g.set({ partition: String(partition) }, n);
  });
  gauge(
    'xietong_broker_reachable',
    `1 when the broker answered this scrape's consumer-lag query within ${LAG_TIMEOUT_MS / 1000} s, else 0 (then xietong_consumer_lag is absent)`,
    [],
    async (g) => g.set((await lag()) ? 1 : 0),
  );
}

/**
 * One lookup shared by the gauges of one scrape: prom-client starts every collect at once, so the
 * gauges that ask while the lookup is under way share it; the next scrape looks up afresh.
 */
function perScrape<T>(lookup: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= lookup().finally(() => {
      pending = undefined;
    }));
}

/** The value, or undefined when the promise fails or takes longer than `ms`. */
async function withinTime<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([p.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
