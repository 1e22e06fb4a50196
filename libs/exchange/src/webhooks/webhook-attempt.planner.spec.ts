import type { ClaimedWebhookDelivery } from '@xietong/persistence';
import { planWebhookAttempt } from './webhook-attempt.planner';

const delivery = (o: Partial<ClaimedWebhookDelivery> = {}): ClaimedWebhookDelivery => ({
  id: '1',
  eventId: 'msg_1',
  endpointId: 'e1',
  attempts: 0,
  eventType: 'message.received',
  payload: '{}',
  url: 'https://county.example/hook',
  secret: 's',
  previousSecret: null,
  previousSecretUntil: null,
  failingSince: null,
  ...o,
});
const policy = { retryScheduleMs: [0, 5_000, 300_000], disableAfterMs: 5 * 86_400_000 };
const at = new Date('2026-12-07T00:00:00Z');

describe('planWebhookAttempt', () => {
  it('delivers on any 2xx', () => {
    expect(planWebhookAttempt(delivery(), { statusCode: 204, durationMs: 12 }, at, policy)).toMatchObject({
      next: { kind: 'delivered' },
      statusCode: 204,
      error: null,
    });
  });

  it('retries after the next delay of the schedule, and fails once it is spent', () => {
    expect(planWebhookAttempt(delivery(), { statusCode: 500, durationMs: 3 }, at, policy)).toMatchObject({
      next: { kind: 'retry', at: new Date(at.getTime() + 5_000) },
      error: 'HTTP 500',
    });
    expect(
      planWebhookAttempt(delivery({ attempts: 1 }), { durationMs: 3, error: 'ECONNREFUSED' }, at, policy),
    ).toMatchObject({
      next: { kind: 'retry', at: new Date(at.getTime() + 300_000) },
      statusCode: null,
      error: 'ECONNREFUSED',
    });
    expect(planWebhookAttempt(delivery({ attempts: 2 }), { statusCode: 502, durationMs: 3 }, at, policy).next).toEqual({
      kind: 'failed',
    });
  });

  it('treats a redirect as a failure (redirects are never followed)', () => {
    expect(planWebhookAttempt(delivery(), { statusCode: 302, durationMs: 3 }, at, policy)).toMatchObject({
      next: { kind: 'retry' },
      error: 'HTTP 302',
    });
  });

  it('fails the delivery and disables the endpoint on 410 Gone', () => {
    const o = planWebhookAttempt(delivery(), { statusCode: 410, durationMs: 3 }, at, policy);
    expect(o.next).toEqual({ kind: 'failed' });
    expect(o.disable).toMatch(/^gone/);
  });

  it('disables an endpoint failing without a success for longer than allowed', () => {
    const since = new Date(at.getTime() - 5 * 86_400_000 - 1);
    expect(
      planWebhookAttempt(delivery({ failingSince: since }), { statusCode: 500, durationMs: 3 }, at, policy).disable,
    ).toBe(`failing: no successful delivery since ${since.toISOString()}`);
    const recent = new Date(at.getTime() - 86_400_000);
    expect(
      planWebhookAttempt(delivery({ failingSince: recent }), { statusCode: 500, durationMs: 3 }, at, policy),
    ).not.toHaveProperty('disable');
  });
});
