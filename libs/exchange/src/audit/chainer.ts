/** The part of the audit repository the chainer drives. */
export interface AuditChainPort {
  /** Chains what finished transactions left in `audit_pending`; returns how many entries. */
  chainPending(): Promise<number>;
}

/** Something that resolves on a wake-up (true) or after `ms` (false), e.g. an {@link OutboxSignal}. */
export interface WakeSource {
  wait(ms: number): Promise<boolean>;
}

export interface AuditChainerSettings {
  /** Interval while events are arriving (and for `activeWindowMs` after the last one). */
  activeMs: number;
  /** How long after the last event or wake-up the chainer keeps polling at `activeMs`. */
  activeWindowMs: number;
  /** Interval while nothing arrives: events of another process, or a lost wake-up, wait this long. */
  idleMs: number;
}

export const DEFAULT_AUDIT_CHAINER: AuditChainerSettings = { activeMs: 200, activeWindowMs: 2_000, idleMs: 2_000 };

/**
 * Moves finished audit events into the hash chain. Events are written inside the business
 * transaction and can be chained only once it has committed, so a wake-up (sent when events are
 * appended, before the commit) switches the chainer to a short interval for a while instead of
 * chaining once. When nothing happens it probes the database every `idleMs` only: an idle gateway
 * does not keep PostgreSQL busy.
 */
export class AuditChainer {
  private loop?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly audit: AuditChainPort,
    private readonly wake: WakeSource & { notify(): void },
    private readonly settings: AuditChainerSettings = DEFAULT_AUDIT_CHAINER,
    private readonly log: (message: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.stopped = false;
    this.loop ??= this.run();
  }

  /** Stops after the pass in progress; what is still pending is chained by the next start (or chainAll). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.notify();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    let activeSince = this.now();
    while (!this.stopped) {
      let chained = 0;
      try {
        chained = await this.audit.chainPending();
      } catch (e) {
        this.log(`audit chaining failed: ${(e as Error).message}`);
      }
      if (this.stopped) break;
      if (chained > 0) {
        activeSince = this.now();
        continue;
      }
      const { activeMs, activeWindowMs, idleMs } = this.settings;
      const woken = await this.wake.wait(this.now() - activeSince < activeWindowMs ? activeMs : idleMs);
      if (woken) activeSince = this.now();
    }
  }
}
