import fc from 'fast-check';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
import { sampleLead } from '@xietong/contracts';
import { generateSigningKey } from '@xietong/crypto';
import { HEADERS } from '@xietong/messaging';
import { hostileRecords, isUntouched } from '@xietong/testing';
import type { GatewayProcess } from '../../apps/bench/src/gateway-processes';
import {
  exited,
  FaultRig,
  HZ,
  JD,
  localBroker,
  postgres,
  waitFor,
  waitForHealth,
  waitForSerial,
  type FaultResult,
} from './fault-harness';

const N = Number(process.env.XIETONG_FAULT_MESSAGES ?? 2000);
const RATE = 400;
const results: FaultResult[] = [];

describe('no message lost or applied twice under faults (gateways as separate processes)', () => {
  let rig: FaultRig;
  beforeAll(async () => {
    rig = new FaultRig();
    await rig.init();
  });
  afterAll(async () => {
    await rig?.close();
    mkdirSync(join(repoRoot(), 'reports'), { recursive: true });
    writeFileSync(join(repoRoot(), 'reports', 'faults.json'), JSON.stringify(results, null, 2) + '\n');
    const extras = (r: FaultResult) =>
      Object.entries(r)
        .filter(([k]) => !['scenario', 'sent', 'delivered', 'duplicates', 'lost', 'recover_s'].includes(k))
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
    console.log(
      [
        'scenario | sent | delivered | duplicates | lost | recover_s | also',
        ...results.map(
          (r) =>
            `${r.scenario} | ${r.sent} | ${r.delivered} | ${r.duplicates} | ${r.lost} | ${r.recover_s} | ${extras(r)}`,
        ),
      ].join('\n'),
    );
  });

  type Gateways = { sender: GatewayProcess; receiver: GatewayProcess };
  interface ScenarioOptions {
    /** Extra environment for the first sender and receiver processes (failpoints). */
    senderEnv?: Record<string, string>;
    receiverEnv?: Record<string, string>;
    /** What starts the fault clock; by default a third of the leads having arrived. */
    trigger?: (gw: Gateways) => Promise<void>;
    /** Checks once everything is receipted, before the gateways stop. */
    after?: (gw: Gateways) => Promise<void>;
  }

  /**
   * Sender and receiver gateways as processes, N leads flowing, the fault injected once a third has
   * arrived (it returns when it is over and may replace processes), then both sides counted.
   */
  async function scenario(
    name: string,
    tag: string,
    fault: (gw: Gateways) => Promise<void>,
    o: ScenarioOptions = {},
  ): Promise<FaultResult> {
    const gw = { sender: await rig.start(JD, o.senderEnv), receiver: await rig.start(HZ, o.receiverEnv) };
    const sending = rig.submit(() => gw.sender, tag, N, RATE);
    await (o.trigger ?? (() => waitFor(async () => (await rig.delivered(tag)) >= N / 3, 120_000)))(gw);
    const t0 = Date.now();
    await fault(gw);
    const recover = await rig.recovery(tag, t0);
    await sending;
    const r = await rig.result(name, tag, N, recover);
    results.push(r);
    await o.after?.(gw);
    await gw.receiver.stop();
    await gw.sender.stop();
    return r;
  }

  it('survives the receiving gateway killed with SIGKILL mid-batch and restarted', async () => {
    const r = await scenario('receiving gateway SIGKILL', 'KILLRX', async (gw) => {
      gw.receiver.child.kill('SIGKILL');
      await new Promise((res) => setTimeout(res, 1000));
      gw.receiver = await rig.start(HZ);
    });
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
  });

  it('survives the broker killed with SIGKILL mid-stream and restarted on its data', async () => {
    let down = 0;
    const r = await scenario('broker SIGKILL', 'KILLBROKER', async () => {
      const killed = Date.now();
      localBroker.kill();
      await new Promise((res) => setTimeout(res, 2000));
      localBroker.resume();
      down = (Date.now() - killed) / 1000;
    });
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
    // How long the broker itself was away (killed, 2 s, then restarted on its data until it answered).
    results[results.length - 1] = { ...r, broker_down_s: Math.round(down * 10) / 10 } as FaultResult;
  });

  it('survives the sending gateway killed repeatedly while its relay publishes', async () => {
    const r = await scenario('sending gateway (relay) SIGKILL x3', 'KILLTX', async (gw) => {
      for (let k = 1; k <= 3; k++) {
        if (k > 1)
          while ((await rig.delivered('KILLTX')) < (N * (k + 1)) / 5) await new Promise((res) => setTimeout(res, 50));
        gw.sender.child.kill('SIGKILL');
        gw.sender = await rig.start(JD);
      }
    });
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
  });

  it('survives PostgreSQL restarted mid-stream: health degrades, nothing is accepted without being stored', async () => {
    let degraded = false;
    let healthy = false;
    const r = await scenario('PostgreSQL restart', 'PGRESTART', async (gw) => {
      const restart = postgres.restart();
      degraded = await waitForHealth(gw.receiver.url, 503, 20_000);
      await restart;
      await rig.reconnect();
      healthy = await waitForHealth(gw.receiver.url, 200, 30_000);
    });
    expect({ degraded, healthy }).toEqual({ degraded: true, healthy: true });
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
  });

  it('survives the sending relay dying after the broker acknowledged a batch and before marking it sent (twice)', async () => {
    // The failpoint kills the process with SIGKILL right after the broker's ack, once a third of the leads are out.
    const crash = { XIETONG_FAILPOINTS: `relay.after-ack:${Math.floor(N / 3)}` };
    const deaths: (string | undefined)[] = [];
    const r = await scenario(
      'relay SIGKILL between broker ack and marking sent x2',
      'RELAYACK',
      async (gw) => {
        gw.sender = await rig.start(JD, crash);
        deaths.push(await exited(gw.sender.child, 120_000));
        gw.sender = await rig.start(JD);
      },
      { senderEnv: crash, trigger: async (gw) => void deaths.push(await exited(gw.sender.child, 120_000)) },
    );
    expect(deaths).toEqual(['SIGKILL', 'SIGKILL']);
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
    // The acknowledged but unmarked batches went out again and were recognized, not applied twice.
    expect((r as FaultResult & { replays_refused?: number }).replays_refused).toBeGreaterThan(0);
  });

  it('survives the receiving gateway dying after storing a batch and before committing its offsets', async () => {
    let death: string | undefined;
    let skipped = 0;
    const r = await scenario(
      'receiver SIGKILL between DB commit and offset commit',
      'INBOUNDCOMMIT',
      async (gw) => {
        gw.receiver = await rig.start(HZ);
      },
      {
        receiverEnv: { XIETONG_FAILPOINTS: `inbound.after-store:${Math.floor(N / 3)}` },
        trigger: async (gw) => void (death = await exited(gw.receiver.child, 120_000)),
        after: async (gw) => void (skipped = await rig.metric(gw.receiver, 'xietong_inbound_redelivered_total')),
      },
    );
    expect(death).toBe('SIGKILL');
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
    // The stored but uncommitted batch came again from the same offsets: skipped, not recorded as replays.
    expect(skipped).toBeGreaterThan(0);
    expect((r as FaultResult & { replays_refused?: number }).replays_refused).toBeUndefined();
    results[results.length - 1] = { ...r, redelivered_skipped: skipped } as FaultResult;
  });

  it("rotates the sender's signing key and revokes the old one while leads flow; an old record replayed afterwards is refused", async () => {
    const next = await generateSigningKey('EdDSA', `${JD}-sig-2`);
    const keyFile = join(rig.dir, 'keys', `${JD}.signing-2.private.jwk.json`);
    writeFileSync(keyFile, JSON.stringify(next.privateJwk), { mode: 0o600 });
    const checks: Record<string, unknown> = {};
    const r = await scenario(
      'signing key rotated, old key revoked',
      'ROTATE',
      async (gw) => {
        // Serial n+1: the zone authority adds the new key; the receiver must know it before the sender uses it.
        const serial = await rig.publishManifest((m) => {
          m.members
            .find((x) => x.id === JD)!
            .signingKeys.push({
              kid: next.kid,
              alg: 'EdDSA',
              notBefore: new Date(Date.now() - 60_000).toISOString(),
              notAfter: new Date(Date.now() + 365 * 86_400_000).toISOString(),
              publicJwk: next.publicJwk,
            });
        });
        checks.added = await waitForSerial(gw.receiver.url, serial, 30_000);
        rig.overrides[JD] = { XIETONG_SIGNING_KEY_FILE: keyFile };
        await gw.sender.stop();
        gw.sender = await rig.start(JD);
      },
      {
        after: async (gw) => {
          // Serial n+2: the old key is revoked once nothing signed with it is in flight.
          const serial = await rig.publishManifest((m) => {
            const jd = m.members.find((x) => x.id === JD)!;
            jd.signingKeys = jd.signingKeys.filter((k) => k.kid === next.kid);
          });
          checks.revoked = await waitForSerial(gw.receiver.url, serial, 30_000);
          const stored = (
            await rig.pg.query(
              `SELECT record, signature FROM "${rig.schema(HZ)}".message WHERE direction = 'in' AND correlation_id LIKE 'ROTATE-%'`,
            )
          ).rows as { record: Buffer; signature: string }[];
          const kidOf = (jws: string) =>
            JSON.parse(Buffer.from(jws.split('.')[0], 'base64url').toString()).kid as string;
          checks.signers = [...new Set(stored.map((m) => kidOf(m.signature)))].sort();
          const old = stored.find((m) => kidOf(m.signature) === `${JD}-sig-1`)!;
          const before = await rig.quarantined('UNKNOWN_KEY');
          await rig.forge.send(HZ, [
            { value: old.record, headers: { [HEADERS.signature]: old.signature }, key: 'replay' },
          ]);
          checks.replayRefused = await waitFor(
            async () => (await rig.quarantined('UNKNOWN_KEY')) === before + 1,
            30_000,
          );
        },
      },
    );
    expect(checks).toEqual({
      added: true,
      revoked: true,
      signers: [`${JD}-sig-1`, `${JD}-sig-2`],
      replayRefused: true,
    });
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
  });

  it('quarantines thousands of hostile records pushed into the inbox mid-stream and still delivers every lead', async () => {
    const HOSTILE = 5 * N;
    const valid = await rig.forge.forge({ from: JD, to: HZ, type: 'LEAD', body: sampleLead('HOSTILE-BASE') });
    const samples = fc
      .sample(hostileRecords(valid), { numRuns: HOSTILE, seed: 20261128 })
      .filter((x) => !isUntouched(x, valid));
    const before = await rig.quarantined();
    const r = await scenario('hostile records mid-stream', 'HOSTILE', async () => {
      // On many keys, so they land on every partition between the good records.
      for (let i = 0; i < samples.length; i += 500)
        await rig.forge.send(
          HZ,
          samples.slice(i, i + 500).map((x, k) => ({ ...x, key: `hostile-${(i + k) % 17}` })),
        );
    });
    const quarantined = await waitFor(async () => (await rig.quarantined()) - before >= samples.length, 60_000);
    expect({ quarantined, extra: (await rig.quarantined()) - before - samples.length }).toEqual({
      quarantined: true,
      extra: 0,
    });
    results[results.length - 1] = {
      ...r,
      hostile: samples.length,
      hostile_quarantined: (await rig.quarantined()) - before,
    } as FaultResult;
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
  });

  it('shares the work of two instances of each gateway over one database without sending a row twice', async () => {
    const senders = [await rig.start(JD), await rig.start(JD)];
    const receivers = [await rig.start(HZ), await rig.start(HZ)];
    let turn = 0;
    await rig.submit(() => senders[turn++ % 2], 'TWOINST', N, RATE);
    const r = await rig.result('two instances per agency', 'TWOINST', N, 0);
    results.push(r);
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
    // A relay that published a row another relay had already sent would show up as a replay.
    expect(
      await rig.count(
        `SELECT COUNT(*) AS n FROM "${rig.schema(HZ)}".quarantine WHERE reason_code = 'REPLAY' AND message_id IN (SELECT message_id FROM "${rig.schema(JD)}".message WHERE correlation_id LIKE 'TWOINST-%')`,
      ),
    ).toBe(0);
    for (const g of [...senders, ...receivers]) await g.stop();
  });

  it('leaves no gateway behind when the process that started it is killed', async () => {
    // A parent like the benchmark: starts a gateway through the same helper, prints its pid, is killed.
    const helper = join(repoRoot(), 'dist/apps/bench/src/gateway-processes.js');
    const script = `require(${JSON.stringify(helper)}).spawnGateway('${HZ}', JSON.parse(process.env.GW_ENV)).then((g) => console.log('pid ' + g.child.pid)); setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', script], {
      env: { ...process.env, GW_ENV: JSON.stringify(rig.gatewayEnv(HZ)) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    expect(await waitFor(async () => /pid \d+/.test(out), 60_000)).toBe(true);
    const pid = Number(/pid (\d+)/.exec(out)![1]);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    parent.kill('SIGKILL');
    expect(await waitFor(async () => !alive(), 30_000)).toBe(true);
  });
});
