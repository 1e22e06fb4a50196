import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { DomainError } from '@xietong/contracts';

/** A private address (or range) webhooks may reach after all, optionally on one port only. */
export interface WebhookAllowEntry {
  address: string;
  /** Prefix length of a range; absent: the one address. */
  bits?: number;
  port?: number;
}

/** Signed webhooks to the county's own systems (docs/webhooks.md). */
export interface WebhookConfig {
  /** Delay before each attempt (the first is usually 0); a delivery fails once they are spent. */
  retryScheduleMs: number[];
  timeoutMs: number;
  /** An endpoint failing without a success for this long is disabled. */
  disableAfterMs: number;
  /** How long the secret before a rotation still signs beside the new one. */
  secretOverlapMs: number;
  /** Loopback, link-local and private addresses webhooks may reach (the demo's and tests' receivers). */
  allowPrivate: WebhookAllowEntry[];
  /** 0600 file holding the key that encrypts endpoint secrets in the database (created if absent). */
  keyFile: string;
  batchSize: number;
  /** Poll interval when no wake-up comes (retries falling due). */
  pollMs: number;
}

type Env = Record<string, string | undefined>;

/** Svix's schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = '0,5s,5m,30m,2h,5h,10h,10h';

export function loadWebhookConfig(env: Env, agencyId: string, fedDir: string): WebhookConfig {
  const schedule = env.XIETONG_WEBHOOK_RETRY_SCHEDULE ?? DEFAULT_WEBHOOK_RETRY_SCHEDULE;
  const retryScheduleMs = schedule.split(',').map((s) => duration(s.trim()));
  if (retryScheduleMs.some((ms) => ms === undefined) || retryScheduleMs.length > 50 || retryScheduleMs[0] !== 0)
    fail(
      'XIETONG_WEBHOOK_RETRY_SCHEDULE',
      'a comma-separated list of up to 50 delays starting with 0 (the first attempt), such as 0,5s,5m,2h',
      schedule,
    );
  return {
    retryScheduleMs: retryScheduleMs as number[],
    timeoutMs: durationVar(env, 'XIETONG_WEBHOOK_TIMEOUT', '15s', 100, 120_000),
    disableAfterMs: durationVar(env, 'XIETONG_WEBHOOK_DISABLE_AFTER', '5d', 1_000, 365 * 86_400_000),
    secretOverlapMs: durationVar(env, 'XIETONG_WEBHOOK_SECRET_OVERLAP', '24h', 0, 30 * 86_400_000),
    allowPrivate: allowList(env.XIETONG_WEBHOOK_ALLOW_PRIVATE ?? ''),
    keyFile: resolve(env.XIETONG_WEBHOOK_KEY_FILE ?? join(fedDir, 'keys', `${agencyId}.webhook-secrets.key`)),
    batchSize: 50,
    pollMs: durationVar(env, 'XIETONG_WEBHOOK_POLL', '1s', 10, 600_000),
  };
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `0`, `250ms`, `5s`, `5m`, `2h`, `5d` in milliseconds; undefined when it is none of these. */
export function duration(v: string): number | undefined {
  if (v === '0') return 0;
  const m = /^(\d{1,9})(ms|s|m|h|d)$/.exec(v);
  return m ? Number(m[1]) * UNITS[m[2]] : undefined;
}

function durationVar(env: Env, name: string, dflt: string, min: number, max: number): number {
  const v = env[name] ?? dflt;
  const ms = duration(v);
  if (ms === undefined || ms < min || ms > max)
    fail(name, `a duration from ${min} ms to ${max} ms with a unit (ms, s, m, h, d), e.g. ${dflt}`, v);
  return ms;
}

/** `127.0.0.1:43123,[::1]:8080,10.0.0.0/8,192.168.1.5`: addresses or ranges, with an optional port. */
function allowList(v: string): WebhookAllowEntry[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+|[0-9a-fA-F:]+))(?:\/(\d{1,3}))?(?::(\d{1,5}))?$/.exec(item);
      const address = m?.[1] ?? m?.[2];
      const family = address ? isIP(address) : 0;
      // A bare IPv6 address cannot carry a port (use [::1]:8080).
      const port = m?.[4] !== undefined && (m[1] !== undefined || family === 4) ? Number(m[4]) : undefined;
      const bits = m?.[3] !== undefined ? Number(m[3]) : undefined;
      if (
        !m ||
        family === 0 ||
        (m[4] !== undefined && port === undefined) ||
        (bits !== undefined && bits > (family === 4 ? 32 : 128)) ||
        (port !== undefined && (port < 1 || port > 65535))
      )
        fail(
          'XIETONG_WEBHOOK_ALLOW_PRIVATE',
          'a comma-separated list of IP addresses or CIDR ranges, each with an optional port (127.0.0.1:8080, [::1]:8080, 10.0.0.0/8)',
          v,
        );
      return { address: address!, ...(bits === undefined ? {} : { bits }), ...(port === undefined ? {} : { port }) };
    });
}

function fail(name: string, expected: string, got: string): never {
  throw new DomainError('CONFIG_INVALID', `${name} must be ${expected}, got "${got}"`);
}
