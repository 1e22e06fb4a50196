import type { NextFunction, Request, Response } from 'express';

/** Distinct client addresses counted per window; beyond it, the rest share one count. */
const MAX_CLIENTS = 10_000;
const OTHERS = '(others)';

/**
 * Fixed-window counts per client address, bounded: the table is dropped at each window's end and
 * never holds more than MAX_CLIENTS addresses (a flood from more addresses shares one count, which
 * then limits those newcomers together rather than growing the table).
 */
export class FixedWindowLimiter {
  private counts = new Map<string, number>();
  private windowStart = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `client`; false when it is over the limit in this window. */
  allow(client: string): boolean {
    const at = this.now();
    if (at - this.windowStart >= this.windowMs) {
      this.windowStart = at;
      this.counts = new Map();
    }
    const key = this.counts.has(client) || this.counts.size < MAX_CLIENTS ? client : OTHERS;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n <= this.limit;
  }

  /** Seconds until the current window ends (Retry-After). */
  retryAfter(): number {
    return Math.max(1, Math.ceil((this.windowStart + this.windowMs - this.now()) / 1000));
  }

  get size(): number {
    return this.counts.size;
  }
}

/**
 * Express middleware for the console's sign-in pages, which anyone can call without a session: at
 * most `limiter.limit` a window per client address (the proxy's client behind a trusted proxy),
 * then 429 with Retry-After. Generous enough for a whole office behind one NAT address signing in
 * at nine; a script looping on them is slowed down.
 */
export function signInRateLimit(limiter: FixedWindowLimiter) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path !== '/console/login' && req.path !== '/console/callback') return next();
    if (limiter.allow(req.ip ?? req.socket.remoteAddress ?? '')) return next();
    res
      .status(429)
      .setHeader('Retry-After', String(limiter.retryAfter()))
      .type('text/plain; charset=utf-8')
      .send('登录请求过于频繁，请稍后再试 (too many sign-in requests from this address; retry later)');
  };
}
