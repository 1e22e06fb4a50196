import { Logger } from '@nestjs/common';
import type { GatewayConfig } from '@xietong/config';
import { DomainError } from '@xietong/contracts';
import { startGateway } from './start-gateway';

/**
 * Process entry shared by the gateway, relay and inbound apps: validates configuration, starts,
 * and shuts down cleanly on SIGINT/SIGTERM. A configuration or manifest error is one clear line
 * and exit code 1. Started by a Node parent with an IPC channel (the benchmark, the fault suite),
 * it also shuts down when that parent goes away, even if it crashed, so no gateway is left behind.
 */
export async function runGatewayProcess(loadConfig: () => GatewayConfig): Promise<void> {
  const logger = new Logger('Xietong');
  try {
    const config = loadConfig();
    const gw = await startGateway(config);
    logger.log(`agency ${config.agencyId} running [${[...config.roles].join(', ')}]${gw.url ? ` at ${gw.url}` : ''}`);
    const stop = async (signal: string) => {
      logger.log(`${signal}: shutting down`);
      await gw.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    if (process.send) process.once('disconnect', () => void stop('parent process gone'));
  } catch (e) {
    logger.error(e instanceof DomainError ? `${e.code}: ${e.message}` : ((e as Error).stack ?? String(e)));
    process.exit(1);
  }
}
