import { Registry } from 'prom-client';
import { registerDeliveryHealthGauges, type DeliveryHealthSources } from './delivery-health-gauges';

const NOW = Date.parse('2026-12-07T12:00:00Z');

function scrape(sources: Partial<DeliveryHealthSources>, lagTimeoutMs = 50): Promise<string> {
  const registry = new Registry();
  registerDeliveryHealthGauges(
    registry,
    {
      oldestPendingAt: async () => undefined,
      receiptsByPartner: async () => [],
      lag: async () => [],
      ...sources,
    },
    () => NOW,
    lagTimeoutMs,
  );
  return registry.metrics();
}

describe('delivery health gauges', () => {
  it("reports the oldest pending outbox row's age in seconds, and 0 when none waits", async () => {
    expect(await scrape({ oldestPendingAt: async () => new Date(NOW - 90_000) })).toContain(
      'xietong_outbox_oldest_age_seconds 90',
    );
    expect(await scrape({})).toContain('xietong_outbox_oldest_age_seconds 0');
  });

  it('reports the last receipt per partner as a timestamp and what still awaits one, reading the database once', async () => {
    const calls: number[] = [];
    const text = await scrape({
      receiptsByPartner: async () => {
        calls.push(1);
        return [
          { partner: '330100', lastReceiptAt: new Date(NOW - 5_000), awaiting: 4 },
          { partner: '340100', awaiting: 2 },
        ];
      },
    });
    expect(text).toContain(`xietong_receipt_last_timestamp_seconds{partner="330100"} ${(NOW - 5_000) / 1000}`);
    expect(text).not.toContain('xietong_receipt_last_timestamp_seconds{partner="340100"}');
    expect(text).toContain('xietong_receipts_awaited{partner="330100"} 4');
    expect(text).toContain('xietong_receipts_awaited{partner="340100"} 2');
    expect(calls).toHaveLength(1);
  });

  it('reads afresh at every scrape, however close together', async () => {
    let n = 0;
    const registry = new Registry();
    registerDeliveryHealthGauges(
      registry,
      {
        oldestPendingAt: async () => undefined,
        receiptsByPartner: async () => [{ partner: '330100', awaiting: ++n }],
        lag: async () => [],
      },
      () => NOW,
    );
    expect(await registry.metrics()).toContain('xietong_receipts_awaited{partner="330100"} 1');
    expect(await registry.metrics()).toContain('xietong_receipts_awaited{partner="330100"} 2');
  });

  it('reports the consumer lag by partition while the broker answers', async () => {
    const text = await scrape({
      lag: async () => [
        [0, 7],
        [1, 0],
      ],
    });
    expect(text).toContain('xietong_consumer_lag{partition="0"} 7');
    expect(text).toContain('xietong_broker_reachable 1');
  });

  it('leaves the lag out and reads the broker unreachable when it fails or does not answer in time, and still answers the scrape', async () => {
    const failed = await scrape({ lag: () => Promise.reject(new Error('connection timeout')) });
    expect(failed).toContain('xietong_broker_reachable 0');
    expect(failed).not.toMatch(/^xietong_consumer_lag\{/m);
    const started = Date.now();
    const hung = await scrape({ lag: () => new Promise(() => undefined), oldestPendingAt: async () => new Date(NOW) });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(hung).toContain('xietong_broker_reachable 0');
    expect(hung).toContain('xietong_outbox_oldest_age_seconds 0');
  });
});
