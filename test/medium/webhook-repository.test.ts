// The webhook queue on both databases: events are written with the transaction that causes them
// (a rolled-back batch leaves none), claims lease their rows, outcomes update queue and endpoint.
import { Database, WebhookRepository, type WebhookEndpointRecord } from '@xietong/persistence';
import { DIALECTS, freshDatabase } from '@xietong/testing';

const endpoint = (id: string, types: string[], enabled = true): WebhookEndpointRecord => ({
  id,
  url: `https://county.example/${id}`,
  eventTypes: JSON.stringify(types),
  description: null,
  secret: 'sealed',
  previousSecret: null,
  previousSecretUntil: null,
  enabled,
  disabledReason: enabled ? null : 'admin',
  failingSince: null,
  createdAt: new Date('2026-12-07T00:00:00Z'),
  updatedAt: new Date('2026-12-07T00:00:00Z'),
});
const ev = (id: string, type: string) => ({ id, type, payload: JSON.stringify({ type, data: { id } }) });

describe.each(DIALECTS)('webhook repository on %s', (dialect) => {
  let db: Database;
  let repo: WebhookRepository;
  const A = '00000000-0000-4000-8000-00000000000a';
  const B = '00000000-0000-4000-8000-00000000000b';
  const OFF = '00000000-0000-4000-8000-00000000000c';
  beforeAll(async () => {
    db = await Database.open(freshDatabase(dialect, 'hooks'));
    repo = new WebhookRepository(db);
    await repo.insertEndpoint(endpoint(A, ['*']));
    await repo.insertEndpoint(endpoint(B, ['message.rejected']));
    await repo.insertEndpoint(endpoint(OFF, ['*'], false));
  });
  afterAll(() => db?.close());

  it('queues an event for each enabled endpoint that takes its type, and nothing when the transaction rolls back', async () => {
    const now = new Date('2026-12-07T01:00:00Z');
    await expect(
      db.transaction(async (em) => {
        await repo.record(em, [ev('msg_rolled', 'message.received')], now);
        throw new Error('the batch failed');
      }),
    ).rejects.toThrow('the batch failed');
    const queued = await db.transaction((em) =>
      repo.record(em, [ev('msg_r1', 'message.received'), ev('msg_x1', 'message.rejected')], now),
    );
    expect(queued).toBe(3);
    expect((await repo.deliveries(A)).map((d) => d.eventId).sort()).toEqual(['msg_r1', 'msg_x1']);
    expect((await repo.deliveries(B)).map((d) => d.eventId)).toEqual(['msg_x1']);
    expect(await repo.deliveries(OFF)).toEqual([]);
    expect((await repo.status()).pending).toBe(3);
  });

  it('leases what it claims, and records an attempt, its retry and the endpoint failing', async () => {
    const now = new Date('2026-12-07T01:00:01Z');
    const lease = new Date('2026-12-07T01:01:00Z');
    const claimed = await repo.claim(10, now, lease);
    expect(claimed).toHaveLength(3);
    expect(await repo.claim(10, now, lease)).toEqual([]);
    const toA = claimed.find((c) => c.endpointId === A && c.eventId === 'msg_r1')!;
    expect(toA).toMatchObject({
      url: `https://county.example/${A}`,
      secret: 'sealed',
      attempts: 0,
      failingSince: null,
    });
    const retryAt = new Date('2026-12-07T01:00:06Z');
    await repo.complete([
      {
        delivery: toA,
        attemptedAt: now,
        statusCode: 503,
        durationMs: 12.4,
        error: 'HTTP 503',
        next: { kind: 'retry', at: retryAt },
      },
      // The other deliveries go to B: a success there leaves A failing (a success at A would clear it).
      ...claimed
        .filter((c) => c.endpointId === B)
        .map((c) => ({
          delivery: c,
          attemptedAt: now,
          statusCode: 200,
          durationMs: 3,
          error: null,
          next: { kind: 'delivered' as const },
        })),
    ]);
    // A's other delivery stays leased until 01:01:00; the retried one is due at 01:00:06.
    const [again] = await repo.claim(10, retryAt, new Date('2026-12-07T01:02:00Z'));
    expect(again).toMatchObject({ eventId: 'msg_r1', endpointId: A, attempts: 1, failingSince: now });
    const log = (await repo.deliveries(A)).find((d) => d.eventId === 'msg_r1')!;
    expect(log).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 503 });
    expect(log.log).toEqual([
      { deliveryId: Number(log.id), attemptedAt: now, statusCode: 503, durationMs: 12, error: 'HTTP 503' },
    ]);
    await repo.complete([
      {
        delivery: again,
        attemptedAt: retryAt,
        statusCode: 410,
        durationMs: 2,
        error: 'HTTP 410',
        next: { kind: 'failed' },
        disable: 'gone',
      },
    ]);
    expect(await repo.endpoint(A)).toMatchObject({ enabled: false, disabledReason: 'gone', failingSince: now });
    expect((await repo.status()).disabled.map((d) => d.id).sort()).toEqual([A, OFF]);
  });

  it('re-delivers a delivery on request, and forgets an endpoint with its queue', async () => {
    const [done] = await repo.deliveries(B);
    expect(done.status).toBe('delivered');
    expect(await repo.redeliver(done.id, new Date('2026-12-07T02:00:00Z'))).toBe(B);
    expect(await repo.redeliver('987654321')).toBeUndefined();
    expect((await repo.deliveries(B))[0]).toMatchObject({ status: 'pending' });
    expect(await repo.deleteEndpoint(B)).toBe(true);
    expect(await repo.deleteEndpoint(B)).toBe(false);
    expect(await repo.deliveries(B)).toEqual([]);
    expect(await repo.updateEndpoint(OFF, { enabled: true, disabledReason: null, updatedAt: new Date() })).toBe(true);
    expect(await repo.updateEndpoint(B, { enabled: true, updatedAt: new Date() })).toBe(false);
    expect(await repo.endpoint(OFF)).toMatchObject({ enabled: true, disabledReason: null });
  });
});
