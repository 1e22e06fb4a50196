import { cpuSecondsBetween, medianOf, quantile } from './stats';

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

  it('counts CPU per process between samples, so an ended backend does not make it negative', () => {
    // pid 10: +50 ticks; pid 11 ended (its 900 ticks must not be subtracted); pid 12 new: 30 ticks;
    // pid 13 reused by a new process with fewer ticks: its 5 ticks count from zero.
    const before = new Map([
      [10, 100],
      [11, 900],
      [13, 400],
    ]);
    const after = new Map([
      [10, 150],
      [12, 30],
      [13, 5],
    ]);
    expect(cpuSecondsBetween(before, after)).toBeCloseTo(0.85, 5);
    expect(cpuSecondsBetween(after, after)).toBe(0);
  });
});
