import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
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

  it('survives the receiving gateway killed with SIGKILL mid-batch and restarted', async () => {
    const sender = await rig.start(JD);
    let receiver = await rig.start(HZ);
    const sending = rig.submit(() => sender, 'KILLRX', N, RATE);
    while ((await rig.delivered('KILLRX')) < N / 3) await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    receiver.child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    receiver = await rig.start(HZ);
    const recover = await rig.recovery('KILLRX', t0);
    await sending;
    const r = await rig.result('receiving gateway SIGKILL', 'KILLRX', N, recover);
    results.push(r);
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
    await receiver.stop();
    await sender.stop();
  });

  it('survives the broker killed with SIGKILL mid-stream and restarted on its data', async () => {
    const sender = await rig.start(JD);
    const receiver = await rig.start(HZ);
    const sending = rig.submit(() => sender, 'KILLBROKER', N, RATE);
    while ((await rig.delivered('KILLBROKER')) < N / 3) await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    localBroker.kill();
    await new Promise((r) => setTimeout(r, 2000));
    localBroker.resume();
    const recover = await rig.recovery('KILLBROKER', t0);
    await sending;
    const r = await rig.result('broker SIGKILL', 'KILLBROKER', N, recover);
    results.push(r);
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
    await receiver.stop();
    await sender.stop();
  });

  it('survives the sending gateway killed repeatedly while its relay publishes (acked but not yet marked sent)', async () => {
    let sender = await rig.start(JD);
    const receiver = await rig.start(HZ);
    const sending = rig.submit(() => sender, 'KILLTX', N, RATE);
    let t0 = 0;
    for (let k = 1; k <= 3; k++) {
      while ((await rig.delivered('KILLTX')) < (N * k) / 4) await new Promise((r) => setTimeout(r, 50));
      t0 = Date.now();
      sender.child.kill('SIGKILL');
      sender = await rig.start(JD);
    }
    const recover = await rig.recovery('KILLTX', t0);
    await sending;
    const r = await rig.result('sending gateway (relay) SIGKILL x3', 'KILLTX', N, recover);
    results.push(r);
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
    await receiver.stop();
    await sender.stop();
  });

  it('survives PostgreSQL restarted mid-stream: health degrades, nothing is accepted without being stored', async () => {
    const sender = await rig.start(JD);
    const receiver = await rig.start(HZ);
    const sending = rig.submit(() => sender, 'PGRESTART', N, RATE);
    while ((await rig.delivered('PGRESTART')) < N / 3) await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    const restart = postgres.restart();
    const degraded = await waitForHealth(receiver.url, 503, 20_000);
    await restart;
    await rig.reconnect();
    const recover = await rig.recovery('PGRESTART', t0);
    await sending;
    const r = await rig.result('PostgreSQL restart', 'PGRESTART', N, recover);
    results.push(r);
    expect(degraded).toBe(true);
    expect(r).toMatchObject({ lost: 0, duplicates: 0, delivered: N });
    expect(await waitForHealth(receiver.url, 200, 30_000)).toBe(true);
    await receiver.stop();
    await sender.stop();
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
