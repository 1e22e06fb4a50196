import { Test } from '@nestjs/testing';
import { generateSigningKey, importSigningKey, type Signer } from '@xietong/crypto';
import { AuditRepository } from '@xietong/persistence';
import { AgencyId, Logs, provideValue, RecordSigner, silentLogs } from '../tokens';
import { AuditCheckpointer, CheckpointCadence, CheckpointStore } from './checkpoint-scheduler';
import { verifyCheckpoint } from './checkpoint-signature';

/**
 * The audit repository port, in memory: a head that tests move, the checkpoints saved, and the
 * entries that are about witness messages (they do not count toward the cadence).
 */
function fakeAudit(startSeq = 0) {
  const state = {
    seq: startSeq,
    saved: [] as { seq: number; hash: string; jws: string }[],
    witness: new Set<number>(),
  };
  const port = {
    chainAll: async () => 0,
    head: async () => ({ seq: state.seq, hash: state.seq.toString(16).padStart(64, '0') }),
    latestCheckpoint: async () => state.saved.at(-1),
    saveCheckpoint: async (c: { seq: number; hash: string; jws: string }) => void state.saved.push(c),
    countedSince: async (after: number, uncounted: readonly string[], cap: number) => {
      expect(uncounted).toEqual(['AUDIT_CHECKPOINT', 'AUDIT_COUNTERSIGN']);
      let n = 0;
      for (let seq = after + 1; seq <= state.seq; seq++) if (!state.witness.has(seq)) n++;
      return Math.min(n, cap);
    },
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
  /** The checkpointer as Nest wires it, on the in-memory port (and the sink, if one is given). */
  const checkpointer = async (
    port: AuditRepository,
    cadence: CheckpointCadence = { intervalMs: 60_000, entries: 1_000 },
    sink?: CheckpointStore,
  ) =>
    (
      await Test.createTestingModule({
        providers: [
          AuditCheckpointer,
          provideValue(AgencyId, '341825'),
          provideValue(AuditRepository, port),
          provideValue(RecordSigner, signer),
          provideValue(CheckpointCadence, cadence),
          provideValue(Logs, silentLogs),
          ...(sink ? [provideValue(CheckpointStore, sink)] : []),
        ],
      }).compile()
    ).get(AuditCheckpointer);
  const t0 = new Date('2026-11-30T02:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  it('signs once the entry bound is reached, before the interval', async () => {
    const { state, port } = fakeAudit();
    const cp = await checkpointer(port, { intervalMs: 60_000, entries: 100 });
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
    const cp = await checkpointer(port, { intervalMs: 60_000, entries: 1_000 });
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
    const cp = await checkpointer(port, { intervalMs: 1_000, entries: 1 });
    expect(await cp.checkpoint()).toBeUndefined();
    expect(state.saved).toHaveLength(1);
  });

  it('never lets the witnessing of a checkpoint beget the next one', async () => {
    const { state, port } = fakeAudit();
    const cp = await checkpointer(port, { intervalMs: 60_000, entries: 3 });
    state.seq = 10;
    expect(await cp.checkpoint(t0)).toBe(10);
    // The checkpoint goes out, the partner's countersignature comes back: entries 11-15 are all about that.
    for (let seq = 11; seq <= 15; seq++) state.witness.add(seq);
    state.seq = 15;
    expect(await cp.checkpointIfDue(at(3_600_000))).toBeUndefined();
    // One business entry is enough once the interval has passed; before it, three (the entry bound).
    state.seq = 16;
    expect(await cp.checkpointIfDue(at(59_000))).toBeUndefined();
    expect(await cp.checkpointIfDue(at(60_000))).toBe(16);
    for (let seq = 17; seq <= 30; seq++) if (seq !== 20 && seq !== 25) state.witness.add(seq);
    state.seq = 30;
    expect(await cp.checkpointIfDue(at(61_000))).toBeUndefined();
    state.seq = 31;
    expect(await cp.checkpointIfDue(at(62_000))).toBe(31);
    expect(state.saved.map((c) => c.seq)).toEqual([10, 16, 31]);
  });

  it('hands each checkpoint and the seq of the previous one to the witnessing', async () => {
    const { state, port } = fakeAudit(4);
    state.saved.push({ seq: 4, hash: 'x', jws: 'y' });
    const stored: [number, number][] = [];
    const sink = { store: async (c: { seq: number }, previous: number) => void stored.push([c.seq, previous]) };
    const cp = await checkpointer(port, undefined, sink);
    state.seq = 9;
    expect(await cp.checkpoint(t0)).toBe(9);
    state.seq = 12;
    expect(await cp.checkpoint(at(1))).toBe(12);
    expect(stored).toEqual([
      [9, 4],
      [12, 9],
    ]);
    // The sink stores: the checkpointer does not save a second copy.
    expect(state.saved).toHaveLength(1);
  });

  it('signs the final head when stopped after start', async () => {
    const { state, port } = fakeAudit();
    const cp = await checkpointer(port, { intervalMs: 3_600_000, entries: 1_000_000 });
    cp.start();
    state.seq = 42;
    expect(await cp.stop()).toBe(42);
    expect(state.saved.map((c) => c.seq)).toEqual([42]);
  });
});
