import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
import { overrideAlerts } from './alert-overrides';
import { HOSTS, HZ, JD, NetworkRig, sleep, writeNetworkReport, type NetworkRow } from './network-rig';
import type { Host } from './topology';

// Issue 26: each scenario streams leads from JD to HZ (5 a second) through a fault of the links
// between the agencies and the cluster, and ends with 0 lost, 0 duplicated and every receipt back.
const skipped = process.env.XIETONG_NETWORK_SKIPPED;
const RATE = 5;
const BROKERS: Host[] = [HOSTS.k1, HOSTS.k2, HOSTS.k3];

/** Production thresholds shortened for a 60 s partition (docs/operations.md#alert-overrides-for-tests). */
const OVERRIDES = {
  XietongConsumerLagUnknown: { for: '10s' },
  XietongPartnerSilent: { for: '5s', replace: [['> 1800', '> 20']] as [string, string][] },
};

if (skipped)
  it('network suite skipped on purpose (XIETONG_SKIP_NETWORK)', () => {
    console.warn(`network suite skipped: ${skipped}`);
    expect(skipped).toBeTruthy();
  });
else
  describe('network faults between agencies and the cluster', () => {
    const rig = new NetworkRig();
    const rows: NetworkRow[] = [];
    const alerts: Record<string, unknown> = {};
    const started = Date.now();
    let setupS = 0;

    beforeAll(async () => {
      await rig.init(overrideAlerts(join(repoRoot(), 'deploy/prometheus/alerts.yml'), OVERRIDES));
      setupS = Math.round((Date.now() - started) / 1000);
    }, 420_000);

    afterAll(async () => {
      await rig.close();
      writeNetworkReport(rows, {
        suite_s: Math.round((Date.now() - started) / 1000),
        setup_s: setupS,
        setup: rig.setup,
        alerts,
      });
    }, 60_000);

    /** Streams leads, applies `fault` after 3 s, heals, streams 3 s more; the row once all is receipted. */
    async function scenario(
      name: string,
      fault: () => Promise<void>,
      heal: () => Promise<void>,
      during: () => Promise<void>,
    ): Promise<NetworkRow> {
      const tag = name.replace(/\W+/g, '-');
      const stream = rig.stream(tag, RATE);
      await sleep(3_000);
      const from = Date.now();
      await fault();
      await during();
      await heal();
      const to = Date.now();
      await sleep(3_000);
      const sent = await stream.stop();
      const row = await rig.row(name, tag, sent, { from, to });
      rows.push(row);
      console.log(JSON.stringify(row));
      return row;
    }

    function expectWhole(row: NetworkRow): void {
      expect({ lost: row.lost, duplicates: row.duplicates, delivered: row.delivered }).toEqual({
        lost: 0,
        duplicates: 0,
        delivered: row.sent,
      });
    }

    it('loses and duplicates nothing when JD is cut off from the cluster for 60 s, and the lag and partner-silent alerts fire and resolve', async () => {
      const fired: Record<string, number> = {};
      const resolved: Record<string, number> = {};
      let resolving: Promise<void> = Promise.resolve();
      const row = await scenario(
        'cut off 60 s',
        () => rig.topo.cut(HOSTS.jd, BROKERS),
        async () => {
          await rig.topo.heal(HOSTS.jd);
          resolving = watchResolved(Date.now(), Object.keys(fired), resolved);
        },
        async () => {
          const cutAt = Date.now();
          while (Date.now() - cutAt < 60_000) {
            for (const a of await rig.prometheus.firing({ agency: JD }))
              fired[a] ??= Math.round((Date.now() - cutAt) / 1000);
            await sleep(1_000);
          }
        },
      );
      await resolving;
      alerts.cut_off_60_s = { fired_s_after_cut: fired, resolved_s_after_heal: resolved };
      expect(fired).toEqual(
        expect.objectContaining({
          XietongConsumerLagUnknown: expect.any(Number),
          XietongPartnerSilent: expect.any(Number),
        }),
      );
      // Only the agency cut off: HZ's gateway kept its link and raised nothing of the kind.
      expect((await rig.prometheus.firing({ agency: HZ })).filter((a) => a in OVERRIDES)).toEqual([]);
      expect(Object.keys(resolved).sort()).toEqual(Object.keys(fired).sort());
      expectWhole(row);
    }, 400_000);

    /** Records when each of `names` stops firing at JD (seconds after `since`), for up to 180 s. */
    async function watchResolved(since: number, names: string[], resolved: Record<string, number>): Promise<void> {
      while (Date.now() - since < 180_000 && Object.keys(resolved).length < names.length) {
        const firing = await rig.prometheus.firing({ agency: JD });
        for (const a of names) if (!firing.includes(a)) resolved[a] ??= Math.round((Date.now() - since) / 1000);
        await sleep(1_000);
      }
    }

    it('loses and duplicates nothing over a one-way partition: JD sends but hears nothing back, then the reverse', async () => {
      const deaf = await scenario(
        'one-way: JD hears nothing back 15 s',
        () => rig.topo.cut(HOSTS.jd, BROKERS, ['input']),
        () => rig.topo.heal(HOSTS.jd),
        () => sleep(15_000),
      );
      const mute = await scenario(
        'one-way: JD cannot send 15 s',
        () => rig.topo.cut(HOSTS.jd, BROKERS, ['output']),
        () => rig.topo.heal(HOSTS.jd),
        () => sleep(15_000),
      );
      expectWhole(deaf);
      expectWhole(mute);
    }, 400_000);

    it('loses and duplicates nothing over a flapping link (10 s up, 10 s down, for two minutes)', async () => {
      const row = await scenario(
        'flapping 10 s / 10 s for 120 s',
        async () => undefined,
        () => rig.topo.heal(HOSTS.jd),
        async () => {
          for (let i = 0; i < 6; i++) {
            await rig.topo.cut(HOSTS.jd, BROKERS);
            await sleep(10_000);
            await rig.topo.heal(HOSTS.jd);
            await sleep(10_000);
          }
        },
      );
      expectWhole(row);
    }, 400_000);

    it('loses and duplicates nothing when the controller and one broker are separated from the third broker', async () => {
      const leader = rig.kafka.quorumLeader();
      const majority = [BROKERS[leader - 1], BROKERS.find((_, i) => i !== leader - 1)!];
      const alone = BROKERS.find((b) => !majority.includes(b))!;
      const row = await scenario(
        `controller (node ${leader}) and a broker separated from the third 20 s`,
        () => rig.topo.cut(alone, majority),
        () => rig.topo.heal(alone),
        () => sleep(20_000),
      );
      expectWhole(row);
      await rig.kafka.waitReady(120_000);
    }, 400_000);

    it('loses and duplicates nothing when a batch of 1,000 leads goes through a link cut to 256 kbit/s', async () => {
      const tag = 'bandwidth-256-kbit';
      await rig.topo.shape(HOSTS.jd, BROKERS, '256kbit');
      const from = Date.now();
      for (let i = 0; i < 1000; i += 100) await rig.submit(tag, i, 100);
      await rig.drained(tag, 1000);
      await rig.topo.unshape(HOSTS.jd);
      const row = await rig.row('1,000 leads at 256 kbit/s', tag, 1000, { from, to: Date.now() });
      rows.push(row);
      console.log(JSON.stringify(row));
      expectWhole(row);
    }, 400_000);

    it('loses and duplicates nothing with 300 ± 50 ms latency and 5 % loss on JD’s link for the whole run', async () => {
      for (const r of rig.relays) Object.assign(r, { delayMs: 300, jitterMs: 50 });
      const pgPort = new URL(rig.gatewayDatabaseUrl).port;
      const loss = `tcp sport != ${pgPort} tcp dport != ${pgPort} numgen random mod 100 < 5 drop`;
      await rig.topo.rules(HOSTS.jd, [
        { chain: 'input', rule: loss },
        { chain: 'output', rule: loss },
      ]);
      await rig.restartGateway(JD, { KAFKA_BROKERS: rig.kafka.delayedBrokers });
      const row = await scenario(
        '300 ± 50 ms latency, 5 % loss, 20 s',
        async () => undefined,
        async () => {
          await rig.topo.heal(HOSTS.jd);
          for (const r of rig.relays) Object.assign(r, { delayMs: 0, jitterMs: 0 });
        },
        () => sleep(20_000),
      );
      expectWhole(row);
      expect(row.p99_latency_during_fault_s).toBeGreaterThan(0.3);
    }, 400_000);
  });
