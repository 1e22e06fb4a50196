import { medianOf, quantile } from './stats';

describe('bench statistics', () => {
  it('takes nearest-rank quantiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([quantile(sorted, 0.5), quantile(sorted, 0.95), quantile(sorted, 0.99), quantile(sorted, 1)]).toEqual([
      50, 95, 99, 100,
    ]);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('merges runs into the median of each numeric figure and keeps the rest', () => {
    const runs = [
      { gateway: { throughput_per_s: 2000, latency_ms: { p99: 150 } }, params: { alg: 'EdDSA' } },
      { gateway: { throughput_per_s: 2400, latency_ms: { p99: 120 } }, params: { alg: 'EdDSA' } },
      { gateway: { throughput_per_s: 1900, latency_ms: { p99: 400 } }, params: { alg: 'EdDSA' } },
    ];
    expect(medianOf(runs)).toEqual({
      gateway: { throughput_per_s: 2000, latency_ms: { p99: 150 } },
      params: { alg: 'EdDSA' },
    });
  });
});
