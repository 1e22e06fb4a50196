import type { ClaimedWebhookDelivery, WebhookAttemptOutcome } from '@xietong/persistence';
import type { WebhookResponse } from './webhook-sender';

export interface RetryPolicy {
  /** Delay before each attempt; entry 0 is the first attempt (immediately). */
  retryScheduleMs: readonly number[];
  disableAfterMs: number;
}

/**
 * What one attempt comes to (no I/O): a 2xx delivers; 410 Gone fails the delivery and disables the
 * endpoint; anything else (another status, a 3xx, a timeout, a refused address) is retried after
 * the schedule's next delay, and fails the delivery once the schedule is spent. An endpoint that
 * has failed without a success for `disableAfterMs` is disabled.
 */
export function planWebhookAttempt(
  d: ClaimedWebhookDelivery,
  r: WebhookResponse,
  attemptedAt: Date,
  policy: RetryPolicy,
): WebhookAttemptOutcome {
  const base = {
    delivery: d,
    attemptedAt,
    statusCode: r.statusCode ?? null,
    durationMs: r.durationMs,
    error: r.error ?? (r.statusCode !== undefined && !ok(r.statusCode) ? `HTTP ${r.statusCode}` : null),
  };
  if (r.statusCode !== undefined && ok(r.statusCode) && !r.error) return { ...base, next: { kind: 'delivered' } };
  if (r.statusCode === 410)
    return { ...base, next: { kind: 'failed' }, disable: 'gone: the endpoint answered 410 Gone' };
  const attempt = d.attempts + 1;
  const failingSince = d.failingSince ?? attemptedAt;
  const disable =
    attemptedAt.getTime() - failingSince.getTime() >= policy.disableAfterMs
      ? `failing: no successful delivery since ${failingSince.toISOString()}`
      : undefined;
  const next: WebhookAttemptOutcome['next'] =
    attempt < policy.retryScheduleMs.length
      ? { kind: 'retry', at: new Date(attemptedAt.getTime() + policy.retryScheduleMs[attempt]) }
      : { kind: 'failed' };
  return { ...base, next, ...(disable ? { disable } : {}) };
}

const ok = (status: number) => status >= 200 && status < 300;
