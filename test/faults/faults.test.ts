import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
import type { GatewayProcess } from '../../apps/bench/src/gateway-processes';
import { FaultRig, HZ, JD, localBroker, postgres, waitForHealth, type FaultResult } from './fault-harness';

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
    console.log(['scenario | sent | delivered | duplicates | lost | recover_s', ...results.map((r) => `${r.scenario} | ${r.sent} | ${r.delivered} | ${r.duplicates} | ${r.lost} | ${r.recover_s}`)].join('\n'));
  });

  /**
   * Sender and receiver gateways as processes, N leads flowing, the fault injected once a third has
   * arrived (it returns when it is over and may replace processes), then both sides counted.
   */
  async function scenario(name: string, tag: string, fault: (gw: { sender: GatewayProcess; receiver: GatewayProcess }) => Promise<void>): Promise<FaultResult> {
    const gw = { sender: await rig.start(JD), receiver: await rig.start(HZ) };
    const sending = rig.submit(() => gw.sender, tag, N, RATE);
    while ((await rig.delivered(tag)) < N / 3) await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await fault(gw);
    const recover = await rig.recovery(tag, t0);
    await sending;
    const r = await rig.result(name, tag, N, recover);
    results.push(r);
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
    const r = await scenario('broker SIGKILL', 'KILLBROKER', async () => {
      localBroker.kill();
      await new Promise((res) => setTimeout(res, 2000));
      localBroker.resume();
    });
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
  });

  it('survives the sending gateway killed repeatedly while its relay publishes', async () => {
    const r = await scenario('sending gateway (relay) SIGKILL x3', 'KILLTX', async (gw) => {
      for (let k = 1; k <= 3; k++) {
        if (k > 1) while ((await rig.delivered('KILLTX')) < (N * (k + 1)) / 5) await new Promise((res) => setTimeout(res, 50));
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

  it('shares the work of two instances of each gateway over one database without sending a row twice', async () => {
    const senders = [await rig.start(JD), await rig.start(JD)];
    const receivers = [await rig.start(HZ), await rig.start(HZ)];
    let turn = 0;
    await rig.submit(() => senders[turn++ % 2], 'TWOINST', N, RATE);
    const r = await rig.result('two instances per agency', 'TWOINST', N, 0);
    results.push(r);
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
    // A relay that published a row another relay had already sent would show up as a replay.
    expect(await rig.count(`SELECT COUNT(*) AS n FROM "${rig.schema(HZ)}".quarantine WHERE reason_code = 'REPLAY' AND message_id IN (SELECT message_id FROM "${rig.schema(JD)}".message WHERE correlation_id LIKE 'TWOINST-%')`)).toBe(0);
    for (const g of [...senders, ...receivers]) await g.stop();
  });
});
