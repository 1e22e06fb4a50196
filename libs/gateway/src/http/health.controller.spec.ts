import type { INestApplication } from '@nestjs/common';
import { GATEWAY_CONFIG, KAFKA } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { Database, OutboxRepository } from '@xietong/persistence';
import { controllerApp } from '../../../../test/support/controller-app';
import { HealthController } from './health.controller';

describe('HealthController', () => {
  let app: INestApplication;
  let http: Awaited<ReturnType<typeof controllerApp>>['http'];
  const db = { ping: jest.fn(), queueHealth: jest.fn() };
  const admin = { connect: jest.fn(), describeCluster: jest.fn(), disconnect: jest.fn() };
  const manifests = { lastKnown: {} as { serial: number; expiresAt: Date; manifest: { expiresAt: string } } };
  const outbox = { pendingCount: jest.fn() };
  const expiringIn = (ms: number) => {
    const expiresAt = new Date(Date.now() + ms);
    manifests.lastKnown = { serial: 7, expiresAt, manifest: { expiresAt: expiresAt.toISOString() } };
  };

  beforeAll(async () => {
    ({ app, http } = await controllerApp(
      [HealthController],
      [
        [GATEWAY_CONFIG, { agencyId: '341825' }],
        [KAFKA, { admin: () => admin }],
        [Database, db],
        [ManifestStore, manifests],
        [OutboxRepository, outbox],
      ],
    ));
  });
  afterAll(() => app.close());
  beforeEach(() => {
    db.ping.mockReset().mockResolvedValue(undefined);
    db.queueHealth.mockReset().mockResolvedValue(undefined);
    admin.connect.mockReset().mockResolvedValue(undefined);
    admin.describeCluster.mockReset().mockResolvedValue({});
    admin.disconnect.mockReset().mockResolvedValue(undefined);
    outbox.pendingCount.mockReset().mockResolvedValue(3);
    expiringIn(3_600_000);
  });

  it('answers 200 without a token when database, Kafka and manifest are up', async () => {
    const res = await http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'up',
      agency: '341825',
      database: { status: 'up' },
      kafka: { status: 'up' },
      manifest: { status: 'up', serial: 7 },
      outboxPending: 3,
    });
    expect(admin.disconnect).toHaveBeenCalled();
  });

  it('answers 503 naming the part that is down, and closes the Kafka admin client it opened', async () => {
    admin.describeCluster.mockRejectedValue(new Error('broker unreachable'));
    const res = await http().get('/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'degraded', kafka: { status: 'down', error: 'broker unreachable' } });
    expect(admin.disconnect).toHaveBeenCalled();
  });

  it('does not count the outbox when the database is down', async () => {
    db.ping.mockRejectedValue(new Error('connection refused'));
    const res = await http().get('/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ database: { status: 'down', error: 'connection refused' }, outboxPending: null });
    expect(outbox.pendingCount).not.toHaveBeenCalled();
  });

  it('is degraded once the manifest has expired', async () => {
    expiringIn(-1000);
    const res = await http().get('/health');
    expect(res.status).toBe(503);
    expect(res.body.manifest.status).toBe('expired');
  });

  it('reports queue bloat without failing on it', async () => {
    const queues = { status: 'warn', autovacuum: false, bloated: [], tables: [] };
    db.queueHealth.mockResolvedValue(queues);
    const res = await http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body.queues).toEqual(queues);
  });
});
