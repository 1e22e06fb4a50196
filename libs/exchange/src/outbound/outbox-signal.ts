import { Injectable } from '@nestjs/common';

/**
 * Wake-up for the relay when new outbox rows were committed: in-process from the submitting code,
 * and on PostgreSQL from other processes through LISTEN/NOTIFY. A notification that comes while
 * nobody waits is kept for the next wait, so rows committed during a relay cycle are not left
 * for the (slow, idle) poll.
 */
@Injectable()
export class OutboxSignal {
  private waiters: (() => void)[] = [];
  private signalled = false;

  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    if (w.length === 0) this.signalled = true;
    for (const f of w) f();
  }

  /**
   * Resolves on the next notify (or one that came since the last wait) or after `ms`, whichever
   * comes first: true when it was a notify.
   */
  wait(ms: number): Promise<boolean> {
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (notified: boolean) => {
        clearTimeout(t);
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve(notified);
      };
      const wake = () => done(true);
      const t = setTimeout(() => done(false), ms);
      this.waiters.push(wake);
    });
  }
}
