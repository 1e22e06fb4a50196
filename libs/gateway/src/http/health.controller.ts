import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Kafka } from 'kafkajs';
import type { GatewayConfig } from '@xietong/config';
import { GATEWAY_CONFIG, KAFKA } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { Database, OutboxRepository } from '@xietong/persistence';
import { Public } from '../auth/roles';

/** Liveness of the parts a gateway needs: database, Kafka, a valid manifest. */
@Controller()
export class HealthController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly db: Database,
    private readonly manifests: ManifestStore,
    private readonly outbox: OutboxRepository,
  ) {}

  @Get('health')
  @Public()
  async health(@Res() res: Response): Promise<void> {
    const [database, kafka] = await Promise.all([probe(() => this.db.ping()), probe(() => this.kafkaPing())]);
    const m = this.manifests.lastKnown;
    const manifest = {
      status: m.expiresAt.getTime() > Date.now() ? 'up' : 'expired',
      serial: m.serial,
      expiresAt: m.manifest.expiresAt,
    };
    const outboxPending = database.status === 'up' ? await this.outbox.pendingCount() : null;
    // Reported, not failed on: a bloated queue slows the gateway down but loses nothing.
    const queues = database.status === 'up' ? await this.db.queueHealth().catch(() => undefined) : undefined;
    const ok = database.status === 'up' && kafka.status === 'up' && manifest.status === 'up';
    res.status(ok ? 200 : 503).json({
      status: ok ? 'up' : 'degraded',
      agency: this.config.agencyId,
      database,
      kafka,
      manifest,
      outboxPending,
      ...(queues ? { queues } : {}),
    });
  }

  private async kafkaPing(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.describeCluster();
    } finally {
      await admin.disconnect();
    }
  }
}

async function probe(f: () => Promise<void>): Promise<{ status: 'up' | 'down'; error?: string }> {
  try {
    await f();
    return { status: 'up' };
  } catch (e) {
    return { status: 'down', error: (e as Error).message };
  }
}
