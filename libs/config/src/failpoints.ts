import { DomainError } from '@xietong/contracts';

/**
 * Crash points for the fault suite. Each names a window that random kills rarely hit:
 * - `relay.after-ack`: the broker acknowledged a producer batch, the rows are not yet marked sent;
 * - `inbound.after-store`: a consumer batch is committed to the database, its offsets are not.
 */
export const FAILPOINT_NAMES = ['relay.after-ack', 'inbound.after-store'] as const;
export type FailpointName = (typeof FAILPOINT_NAMES)[number];

/**
 * Test-only: `XIETONG_FAILPOINTS=relay.after-ack:700` kills the process with SIGKILL once 700
 * records have passed that point (counted in whole batches). Unset in production; a gateway
 * started with failpoints armed says so in its log.
 */
export class Failpoints {
  private readonly left: Map<FailpointName, number>;

  constructor(
    armed: ReadonlyMap<FailpointName, number> = new Map(),
    private readonly crash: () => void = () => process.kill(process.pid, 'SIGKILL'),
  ) {
    this.left = new Map(armed);
  }

  static parse(spec: string | undefined): Map<FailpointName, number> {
    const armed = new Map<FailpointName, number>();
    for (const item of (spec ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const m = /^([a-z.-]+):(\d+)$/.exec(item);
      if (!m || !FAILPOINT_NAMES.includes(m[1] as FailpointName) || Number(m[2]) < 1) {
        throw new DomainError(
          'CONFIG_INVALID',
          `XIETONG_FAILPOINTS must be a comma-separated list of <${FAILPOINT_NAMES.join('|')}>:<records ≥ 1>, got "${item}"`,
        );
      }
      armed.set(m[1] as FailpointName, Number(m[2]));
    }
    return armed;
  }

  get armed(): string[] {
    return [...this.left].map(([name, n]) => `${name}:${n}`);
  }

  /** Counts `records` past the point and crashes the process once the armed number is reached. */
  pass(name: FailpointName, records: number): void {
    const left = this.left.get(name);
    if (left === undefined || records <= 0) return;
    if (left - records > 0) {
      this.left.set(name, left - records);
      return;
    }
    this.left.delete(name);
    this.crash();
  }
}
