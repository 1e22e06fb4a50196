import { PeriodicTask } from '../periodic-task';
import { Injectable, Optional } from '@nestjs/common';
import { WITNESS_TYPES } from '@xietong/contracts';
import { AuditRepository } from '@xietong/persistence';
import { AgencyId, Logs, RecordSigner, token, type Log } from '../tokens';
import { signCheckpoint } from './checkpoint-signature';
import type { SignedCheckpoint } from './checkpoint-witnessing';
import { CheckpointTimestamper } from './checkpoint-timestamper';

/** Where a signed checkpoint goes: stored, and sent to the partners that witness it (CheckpointWitnessing). */
export const CheckpointStore = token<CheckpointStore>('CheckpointStore');
export interface CheckpointStore {
  store(checkpoint: SignedCheckpoint, previousSeq: number, now: Date): Promise<unknown>;
}

/** When to sign the chain head: after `intervalMs` or after `entries` new entries, whichever comes first. */
export const CheckpointCadence = token<CheckpointCadence>('CheckpointCadence');
export interface CheckpointCadence {
  intervalMs: number;
  entries: number;
}

/** How often the cadence is looked at: often enough for the entry bound to hold under load. */
const TICK_MS = 1_000;

/**
 * Signs the audit chain head when it moved (scheduler role), so later edits are provable. Whatever
 * lies after the last checkpoint can be cut or rewritten unseen, so the cadence bounds that
 * window in time and in entries, and a graceful shutdown signs the final head. Entries about the
 * witnessing of checkpoints (AUDIT_CHECKPOINT, AUDIT_COUNTERSIGN messages) do not count
 * toward the cadence: otherwise each checkpoint would beget the next one for ever.
 */
@Injectable()
export class AuditCheckpointer {
  private readonly log: Log;
  private lastSeq = -1;
  private lastAt = 0;
  private readonly loop: PeriodicTask;
  /** One signing at a time in this process: a second would sign (and send) the same head again. */
  private signing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly agency: AgencyId,
    private readonly audit: AuditRepository,
    private readonly signer: RecordSigner,
    private readonly cadence: CheckpointCadence,
    logs: Logs,
    /** Stores each checkpoint and sends it to witnessing partners (default: stored only). */
    @Optional() private readonly sink?: CheckpointStore,
    /** Gets the checkpoints' RFC 3161 tokens when a TSA is configured. */
    @Optional() private readonly stamper?: CheckpointTimestamper,
  ) {
    this.log = logs('Audit');
    this.loop = new PeriodicTask(
      () => this.checkpointIfDue().then(() => this.stamper?.stampPending()),
      Math.min(TICK_MS, cadence.intervalMs),
      (e) => this.log('warn', `audit checkpoint failed, will retry: ${e.message}`),
    );
  }

  /** Signs and stores the current head unless it was signed already; returns its seq. */
  checkpoint(now = new Date()): Promise<number | undefined> {
    const run = this.signing.then(() => this.signHead(now));
    this.signing = run.catch(() => undefined);
    return run;
  }

  private async signHead(now: Date): Promise<number | undefined> {
    await this.audit.chainAll();
    const head = await this.audit.head();
    await this.learnLastSigned();
    if (head.seq === 0 || head.seq === this.lastSeq) return undefined;
    const jws = await signCheckpoint(
      { agency: this.agency, seq: head.seq, hash: head.hash, signedAt: now.toISOString() },
      this.signer,
    );
    const checkpoint = { seq: head.seq, hash: head.hash, signedAt: now, jws };
    if (this.sink) await this.sink.store(checkpoint, this.lastSeq, now);
    else await this.audit.saveCheckpoint(checkpoint);
    this.lastSeq = head.seq;
    this.lastAt = now.getTime();
    // The token is asked for after the checkpoint is stored, never in its way: a TSA that is down
    // costs a warning and a retry on the next tick, not a checkpoint.
    void this.stamper?.stampPending();
    return head.seq;
  }

  /**
   * Signs the head if the cadence says so at `now`: entries that count (all but the witnessing's)
   * arrived since the last checkpoint, and either the interval passed or there are `entries` of
   * them. Returns the seq signed, if any.
   */
  async checkpointIfDue(now = new Date()): Promise<number | undefined> {
    await this.learnLastSigned();
    const head = await this.audit.head();
    if (head.seq <= Math.max(0, this.lastSeq)) return undefined;
    const counted = await this.audit.countedSince(Math.max(0, this.lastSeq), WITNESS_TYPES, this.cadence.entries);
    if (counted === 0) return undefined;
    if (counted < this.cadence.entries && now.getTime() - this.lastAt < this.cadence.intervalMs) return undefined;
    return this.checkpoint(now);
  }

  start(): void {
    this.loop.start();
  }

  /** Stops the cadence and signs the final head (graceful shutdown). */
  async stop(): Promise<number | undefined> {
    if (!this.loop.started) return undefined;
    await this.loop.stop();
    const seq = await this.checkpoint();
    await this.stamper?.stampPending();
    return seq;
  }

  private async learnLastSigned(): Promise<void> {
    if (this.lastSeq >= 0) return;
    const latest = await this.audit.latestCheckpoint();
    this.lastSeq = latest?.seq ?? 0;
    // A restarted gateway counts the interval from its start, not from a checkpoint of long ago.
    this.lastAt = Date.now();
  }
}
