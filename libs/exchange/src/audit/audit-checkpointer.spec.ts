import { generateSigningKey, importSigningKey, type Signer } from '@xietong/crypto';
import type { AuditRepository } from '@xietong/persistence';
import { AuditCheckpointer } from './audit-checkpointer';
import { verifyCheckpoint } from './audit-checkpoint';

/** The audit repository port, in memory: a head that tests move, and the checkpoints saved. */
function fakeAudit(startSeq = 0) {
  const state = { seq: startSeq, saved: [] as { seq: number; hash: string; jws: string }[] };
  const port = {
    chainAll: async () => 0,
    head: async () => ({ seq: state.seq, hash: state.seq.toString(16).padStart(64, '0') }),
    latestCheckpoint: async () => state.saved.at(-1),
    saveCheckpoint: async (c: { seq: number; hash: string; jws: string }) => void state.saved.push(c),
  };
  return { state, port: port as unknown as AuditRepository };
}

describe('AuditCheckpointer cadence', () => {
  let signer: Signer;
  let publicKey: Awaited<ReturnType<typeof importSigningKey>>;
  beforeAll(async () => {
    const pair = await generateSigningKey('EdDSA', 'jd-1');
    signer = { kid: 'jd-1', alg: 'EdDSA', key: await importSigningKey(pair.privateJwk, 'EdDSA') };
    publicKey = await importSigningKey(pair.publicJwk, 'EdDSA');
  });
  const t0 = new Date('2026-11-30T02:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  it('signs once the entry bound is reached, before the interval', async () => {
    const { state, port } = fakeAudit();
    const cp = new AuditCheckpointer('341825', port, signer, { intervalMs: 60_000, entries: 100 });
    state.seq = 99;
    expect(await cp.checkpointIfDue(t0)).toBeUndefined();
    state.seq = 100;
    expect(await cp.checkpointIfDue(at(1_000))).toBe(100);
    expect(state.saved.map((c) => c.seq)).toEqual([100]);
    const claim = await verifyCheckpoint(state.saved[0].jws, publicKey);
    expect(claim).toMatchObject({ agency: '341825', seq: 100 });
  });

  it('signs a head that moved once the interval has passed, and never an unmoved head', async () => {
    const { state, port } = fakeAudit();
    const cp = new AuditCheckpointer('341825', port, signer, { intervalMs: 60_000, entries: 1_000 });
    state.seq = 3;
    expect(await cp.checkpoint(t0)).toBe(3);
    state.seq = 5;
    expect(await cp.checkpointIfDue(at(59_000))).toBeUndefined();
    expect(await cp.checkpointIfDue(at(60_000))).toBe(5);
    expect(await cp.checkpointIfDue(at(600_000))).toBeUndefined();
    expect(state.saved.map((c) => c.seq)).toEqual([3, 5]);
  });

  it('does not sign again what a previous process signed', async () => {
    const { state, port } = fakeAudit(7);
    state.saved.push({ seq: 7, hash: 'x', jws: 'y' });
    const cp = new AuditCheckpointer('341825', port, signer, { intervalMs: 1_000, entries: 1 });
    expect(await cp.checkpoint()).toBeUndefined();
    expect(state.saved).toHaveLength(1);
  });

  it('signs the final head when stopped after start', async () => {
    const { state, port } = fakeAudit();
    const cp = new AuditCheckpointer('341825', port, signer, { intervalMs: 3_600_000, entries: 1_000_000 });
    cp.start();
    state.seq = 42;
    expect(await cp.stop()).toBe(42);
    expect(state.saved.map((c) => c.seq)).toEqual([42]);
  });
});
