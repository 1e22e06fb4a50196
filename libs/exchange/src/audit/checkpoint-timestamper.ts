import { readFile } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { GatewayConfig } from '@xietong/config';
import { requestTimestamp, verifyTimestamp } from '@xietong/crypto';
import { ArchiveRepository } from '@xietong/persistence';
import { GATEWAY_CONFIG, Logs, type Log } from '../tokens';

/**
 * Gets RFC 3161 tokens from the agency's TSA (XIETONG_TSA_URL) over signed audit checkpoints (over
 * the checkpoint JWS) and stores them. A TSA that cannot be reached never stops a checkpoint: the
 * checkpoints without a token are asked for again on every tick of the checkpoint scheduler, and
 * the failures are counted for `/health`.
 */
@Injectable()
export class CheckpointTimestamper {
  private readonly log: Log;
  private certPem?: Promise<string>;
  private running?: Promise<number>;
  /** Consecutive failed attempts, and the last error (cleared by a success). */
  failures = 0;
  lastError?: string;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly archives: ArchiveRepository,
    logs: Logs,
  ) {
    this.log = logs('Audit');
  }

  get configured(): boolean {
    return this.config.tsa !== undefined;
  }

  /** Stamps the checkpoints that have no token yet (one run at a time); returns how many got one. */
  stampPending(): Promise<number> {
    this.running ??= this.stamp().finally(() => (this.running = undefined));
    return this.running;
  }

  private async stamp(): Promise<number> {
    const tsa = this.config.tsa;
    if (!tsa) return 0;
    let stamped = 0;
    try {
      this.certPem ??= readFile(tsa.certFile, 'utf8');
      const cert = await this.certPem;
      for (const c of await this.archives.checkpointsWithoutToken()) {
        const jws = Buffer.from(c.jws);
        const token = await requestTimestamp(tsa.url, jws);
        const { genTime } = await verifyTimestamp(token, jws, cert);
        await this.archives.saveCheckpointToken(c.seq, token, genTime);
        stamped++;
      }
      this.failures = 0;
      this.lastError = undefined;
    } catch (e) {
      this.certPem = undefined;
      this.failures++;
      this.lastError = (e as Error).message;
      this.log('warn', `checkpoint timestamp failed, will retry: ${this.lastError}`);
    }
    return stamped;
  }
}
