/**
 * Wake-up for the relay when new outbox rows were committed: in-process from the submitting code,
 * and on PostgreSQL from other processes through LISTEN/NOTIFY. A notification that comes while
 * nobody waits is kept for the next wait, so rows committed during a relay cycle are not left
 * for the (slow, idle) poll.
 */
export class OutboxSignal {
  private waiters: (() => void)[] = [];
  private signalled = false;

  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    if (w.length === 0) this.signalled = true;
    for (const f of w) f();
  }

  /** Resolves on the next notify (or one that came since the last wait) or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.waiters.push(done);
    });
  }
}
