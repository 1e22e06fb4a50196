import type { AuditRepository } from '@xietong/persistence';
import type { Signer } from '@xietong/crypto';
import { signCheckpoint } from './audit-checkpoint';

/** When to sign the chain head: after `intervalMs` or after `entries` new entries, whichever comes first. */
export interface CheckpointCadence {
  intervalMs: number;
  entries: number;
}

/** How often the cadence is looked at: often enough for the entry bound to hold under load. */
const TICK_MS = 1_000;

/**
 * Signs the audit chain head when it moved (scheduler role), so later edits are provable. Whatever
 * lies after the last checkpoint can be cut or rewritten unseen, so the cadence bounds that
 * window in time and in entries, and a graceful shutdown signs the final head.
 */
export class AuditCheckpointer {
  private lastSeq = -1;
  private lastAt = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly agency: string,
    private readonly audit: AuditRepository,
    private readonly signer: Signer,
    private readonly cadence: CheckpointCadence = { intervalMs: 60_000, entries: 1_000 },
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** Signs and stores the current head unless it was signed already; returns its seq. */
  async checkpoint(now = new Date()): Promise<number | undefined> {
    await this.audit.chainAll();
    const head = await this.audit.head();
    await this.learnLastSigned();
    if (head.seq === 0 || head.seq === this.lastSeq) return undefined;
    const jws = await signCheckpoint(
      { agency: this.agency, seq: head.seq, hash: head.hash, signedAt: now.toISOString() },
      this.signer,
    );
    await this.audit.saveCheckpoint({ seq: head.seq, hash: head.hash, signedAt: now, jws });
    this.lastSeq = head.seq;
    this.lastAt = now.getTime();
    return head.seq;
  }

  /** Signs the head if the cadence says so at `now`; returns the seq signed, if any. */
  async checkpointIfDue(now = new Date()): Promise<number | undefined> {
    await this.learnLastSigned();
    const head = await this.audit.head();
    const unsigned = head.seq - Math.max(0, this.lastSeq);
    if (unsigned <= 0) return undefined;
    if (unsigned < this.cadence.entries && now.getTime() - this.lastAt < this.cadence.intervalMs) return undefined;
    return this.checkpoint(now);
  }

  start(): void {
    this.timer = setInterval(
      () => {
        this.running ??= this.checkpointIfDue()
          .catch((e) => this.log(`audit checkpoint failed, will retry: ${(e as Error).message}`))
          .finally(() => (this.running = undefined));
      },
      Math.min(TICK_MS, this.cadence.intervalMs),
    );
    this.timer.unref();
  }

  /** Stops the cadence and signs the final head (graceful shutdown). */
  async stop(): Promise<number | undefined> {
    if (!this.timer) return undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    return this.checkpoint();
  }

  private async learnLastSigned(): Promise<void> {
    if (this.lastSeq >= 0) return;
    const latest = await this.audit.latestCheckpoint();
    this.lastSeq = latest?.seq ?? 0;
    // A restarted gateway counts the interval from its start, not from a checkpoint of long ago.
    this.lastAt = Date.now();
  }
}
