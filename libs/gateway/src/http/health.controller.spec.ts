import type { INestApplication } from '@nestjs/common';
import { AgencyId, AuditSettings, GATEWAY_CONFIG } from '@xietong/exchange';
import { FederationSettings, ManifestStore } from '@xietong/federation';
import { BrokerSettings, BrokerStatus, type BrokerState } from '@xietong/messaging';
import { AuditRepository, Database, OutboxRepository, WebhookRepository } from '@xietong/persistence';
import { controllerApp } from '../../../../test/support/controller-app';
import { HealthController } from './health.controller';

describe('HealthController', () => {
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof controllerApp>>['http'];
  const db = { ping: jest.fn(), queueHealth: jest.fn() };
  const broker = { state: {} as BrokerState };
  const manifests = { lastKnown: {} as { serial: number; expiresAt: Date; manifest: { expiresAt: string } } };
  const outbox = { pendingCount: jest.fn() };
  const audit = { unwitnessedSince: jest.fn() };
  const webhooks = { status: jest.fn() };
  const config = {
    agencyId: '341825',
    audit: { witnessStaleMs: 3_600_000 },
    kafka: { brokers: ['kafka-1:9092'] },
    federation: { manifestFile: '/etc/xietong/manifest.jws' },
  };
  const expiringIn = (ms: number) => {
    const expiresAt = new Date(Date.now() + ms);
    manifests.lastKnown = { serial: 7, expiresAt, manifest: { expiresAt: expiresAt.toISOString() } };
  };
  const kafkaDown = 'cannot reach the Kafka brokers kafka-1:9092 (ECONNREFUSED)';

  beforeAll(async () => {
    ({ app, http } = await controllerApp(
      [HealthController],
      [
        [AgencyId, config.agencyId],
        [AuditSettings, config.audit],
        [BrokerSettings, config.kafka],
        [FederationSettings, config.federation],
        [BrokerStatus, broker],
        [Database, db],
        [ManifestStore, manifests],
        [OutboxRepository, outbox],
        [AuditRepository, audit],
        [WebhookRepository, webhooks],
        [GATEWAY_CONFIG, config],
      ],
    ));
  });
  afterAll(() => app.close());
  beforeEach(() => {
    db.ping.mockReset().mockResolvedValue(undefined);
    db.queueHealth.mockReset().mockResolvedValue(undefined);
    broker.state = { status: 'up', since: new Date(), checkedAt: new Date() };
    outbox.pendingCount.mockReset().mockResolvedValue(3);
    audit.unwitnessedSince.mockReset().mockResolvedValue(undefined);
    webhooks.status.mockReset().mockResolvedValue({ pending: 0, endpoints: 1, disabled: [], failing: [] });
    expiringIn(3_600_000);
  });

  it('notes, without failing readiness, a checkpoint no partner countersigned for longer than allowed', async () => {
    const since = new Date(Date.now() - 2 * 3_600_000);
    audit.unwitnessedSince.mockResolvedValue(since);
    const res = await http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body.audit).toEqual({
      unwitnessedSince: since.toISOString(),
      note: expect.stringContaining('no partner has countersigned a checkpoint signed since'),
    });
    audit.unwitnessedSince.mockResolvedValue(new Date(Date.now() - 60_000));
    expect((await http().get('/health')).body.audit).toEqual({ unwitnessedSince: expect.any(String) });
  });

  it('notes, without failing readiness, a webhook endpoint disabled after a 410 or failing', async () => {
    expect((await http().get('/health')).body.webhooks).toEqual({ status: 'ok', endpoints: 1, pending: 0 });
    const since = new Date('2026-12-01T00:00:00Z');
    webhooks.status.mockResolvedValue({
      pending: 4,
      endpoints: 2,
      disabled: [{ id: 'e1', reason: 'gone: the endpoint answered 410 Gone' }],
      failing: [{ id: 'e2', since }],
    });
    const res = await http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body.webhooks).toEqual({
      status: 'warn',
      endpoints: 2,
      pending: 4,
      note: 'endpoint e1 disabled: gone: the endpoint answered 410 Gone; endpoint e2 failing since 2026-12-01T00:00:00.000Z',
    });
  });

  it('says archives and checkpoints are not timestamped when no TSA is configured', async () => {
    const res = await http().get('/health');
    expect(res.body.timestamps).toEqual({
      tsa: null,
      note: expect.stringContaining('archives/checkpoints are not timestamped'),
    });
  });

  it('answers 200 without a token when database, Kafka and manifest are up', async () => {
    const res = await http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'up',
      agency: '341825',
      reasons: [],
      database: { status: 'up' },
      kafka: { status: 'up', brokers: ['kafka-1:9092'] },
      manifest: { status: 'up', serial: 7 },
      outboxPending: 3,
    });
  });

  it("answers 503 naming Kafka and KAFKA_BROKERS from the background check's state", async () => {
    broker.state = { status: 'down', reason: kafkaDown, since: new Date(), checkedAt: new Date() };
    const res = await http().get('/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      status: 'degraded',
      reasons: [`kafka (KAFKA_BROKERS=kafka-1:9092): ${kafkaDown}`],
      kafka: { status: 'down', error: kafkaDown },
    });
  });

  it('has no outbox count when the database is down', async () => {
    db.ping.mockRejectedValue(new Error('connection refused'));
    outbox.pendingCount.mockRejectedValue(new Error('connection refused'));
    const res = await http().get('/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      database: { status: 'down', error: 'connection refused' },
      reasons: ['database: connection refused'],
      outboxPending: null,
    });
  });

  it('answers within a second when the database does not answer at all', async () => {
    const never = () => new Promise<never>(() => undefined);
    db.ping.mockImplementation(never);
    outbox.pendingCount.mockImplementation(never);
    db.queueHealth.mockImplementation(never);
    const started = Date.now();
    const res = await http().get('/health/ready');
    expect({ status: res.status, fast: Date.now() - started < 1000 }).toEqual({ status: 503, fast: true });
    expect(res.body.reasons).toEqual([expect.stringMatching(/^database: no answer in \d+ ms$/)]);
  });

  it('is degraded once the manifest has expired', async () => {
    expiringIn(-1000);
    const res = await http().get('/health');
    expect(res.status).toBe(503);
    expect(res.body.manifest.status).toBe('expired');
    expect(res.body.reasons).toEqual([
      expect.stringMatching(/^manifest: serial 7 expired at .* \/etc\/xietong\/manifest\.jws$/),
    ]);
  });

  it('reports queue bloat without failing on it', async () => {
    const queues = { status: 'warn', autovacuum: false, bloated: [], tables: [] };
    db.queueHealth.mockResolvedValue(queues);
    const res = await http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body.queues).toEqual(queues);
  });

  it('answers readiness with the reasons only, and liveness 200 even while everything is down', async () => {
    broker.state = { status: 'down', reason: kafkaDown, since: new Date() };
    db.ping.mockRejectedValue(new Error('connection refused'));
    const ready = await http().get('/health/ready');
    expect({ status: ready.status, body: ready.body }).toEqual({
      status: 503,
      body: {
        status: 'degraded',
        agency: '341825',
        reasons: ['database: connection refused', `kafka (KAFKA_BROKERS=kafka-1:9092): ${kafkaDown}`],
      },
    });
    const live = await http().get('/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ status: 'up', agency: '341825', eventLoopDelay: { maxMs: expect.any(Number) } });
  });
});
