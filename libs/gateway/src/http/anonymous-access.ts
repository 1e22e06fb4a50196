import type { AuditInput } from '@xietong/persistence';

/** Distinct paths and addresses kept per interval; the rest are counted under "(other)". */
const KEEP = 20;
const OTHER = '(other)';

/**
 * Requests without a signed-in caller (refused API calls, the console's sign-in pages), counted
 * instead of written one audit entry each: anyone can send them, and the audit log can never be
 * pruned. `take()` hands over one API_ACCESS entry for the interval (how many, with which status,
 * the most frequent paths and addresses, bounded), and `total` feeds the
 * xietong_http_anonymous_requests_total metric.
 */
export class AnonymousAccessTally {
  /** Anonymous requests since this process started. */
  total = 0;
  private count = 0;
  private from?: Date;
  private byStatus: Record<string, number> = {};
  private paths = new Map<string, number>();
  private ips = new Map<string, number>();

  add(r: { method: string; path: string; status: number; ip: string }, at: Date): void {
    this.total++;
    this.count++;
    this.from ??= at;
    this.byStatus[r.status] = (this.byStatus[r.status] ?? 0) + 1;
    bump(this.paths, `${r.method} ${r.path.slice(0, 200)}`);
    bump(this.ips, r.ip.slice(0, 64));
  }

  /** The interval's entry, if any request came in it, and a fresh interval. */
  take(to: Date): AuditInput | undefined {
    if (this.count === 0) return undefined;
    const entry: AuditInput = {
      kind: 'API_ACCESS',
      actor: 'anonymous',
      detail: {
        anonymous: true,
        count: this.count,
        from: this.from!.toISOString(),
        to: to.toISOString(),
        byStatus: this.byStatus,
        paths: Object.fromEntries(this.paths),
        ips: Object.fromEntries(this.ips),
      },
      occurredAt: this.from!,
    };
    this.count = 0;
    this.from = undefined;
    this.byStatus = {};
    this.paths = new Map();
    this.ips = new Map();
    return entry;
  }
}

function bump(m: Map<string, number>, key: string): void {
  const k = m.has(key) || m.size < KEEP ? key : OTHER;
  m.set(k, (m.get(k) ?? 0) + 1);
}
