import { DomainError } from '@xietong/contracts';
import { duration, loadWebhookConfig } from './webhook-config';

const load = (env: Record<string, string>) => loadWebhookConfig(env, '330100', '/fed');

describe('webhook configuration', () => {
  it("defaults to Svix's retry schedule, a 15 s timeout and disabling after 5 days", () => {
    const c = load({});
    expect(c.retryScheduleMs).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(c).toMatchObject({
      timeoutMs: 15_000,
      disableAfterMs: 5 * 86_400_000,
      secretOverlapMs: 86_400_000,
      allowPrivate: [],
      keyFile: '/fed/keys/330100.webhook-secrets.key',
    });
    expect(duration('250ms')).toBe(250);
    expect(duration('5x')).toBeUndefined();
  });

  it('reads a short schedule for tests and an allowlist of addresses, ranges and ports', () => {
    const c = load({
      XIETONG_WEBHOOK_RETRY_SCHEDULE: '0,500ms,1s',
      XIETONG_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1:8080, [::1]:9090,10.20.0.0/16,fd00::1',
    });
    expect(c.retryScheduleMs).toEqual([0, 500, 1_000]);
    expect(c.allowPrivate).toEqual([
      { address: '127.0.0.1', port: 8080 },
      { address: '::1', port: 9090 },
      { address: '10.20.0.0', bits: 16 },
      { address: 'fd00::1' },
    ]);
  });

  it.each([
    ['XIETONG_WEBHOOK_RETRY_SCHEDULE', '5s,5m', /must be a comma-separated list of up to 50 delays starting with 0/],
    ['XIETONG_WEBHOOK_RETRY_SCHEDULE', '0,5 minutes', /XIETONG_WEBHOOK_RETRY_SCHEDULE must be/],
    ['XIETONG_WEBHOOK_TIMEOUT', '15', /XIETONG_WEBHOOK_TIMEOUT must be a duration/],
    [
      'XIETONG_WEBHOOK_ALLOW_PRIVATE',
      'localhost:8080',
      /XIETONG_WEBHOOK_ALLOW_PRIVATE must be a comma-separated list of IP/,
    ],
    ['XIETONG_WEBHOOK_ALLOW_PRIVATE', '10.0.0.0/33', /XIETONG_WEBHOOK_ALLOW_PRIVATE must be/],
  ])('refuses %s=%s naming the variable', (name, value, message) => {
    let error: unknown;
    try {
      load({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('CONFIG_INVALID');
    expect((error as DomainError).message).toMatch(message);
  });
});
