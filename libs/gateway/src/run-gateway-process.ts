import { Logger, type LoggerService } from '@nestjs/common';
import { loadGatewayConfig, loadLogFormat, type GatewayConfig, type LogFormat } from '@xietong/config';
import { DomainError } from '@xietong/contracts';
import { FederationWait } from './federation-wait';
import { createGatewayLogger } from './logging/gateway-logger';
import { startGateway, type RunningGateway } from './start-gateway';

type Env = Record<string, string | undefined>;

/**
 * Process entry shared by the gateway, relay, inbound and scheduler apps: validates
 * configuration, starts, and shuts down cleanly on SIGINT/SIGTERM.
 *
 * - A configuration error (a bad value, an unreadable file, wrong Kafka credentials, a database
 *   that cannot be opened) is one line and exit code 1.
 * - What time or an operator fixes leaves the process running, degraded: a Kafka cluster that
 *   is down or lacks the topics, an expired manifest, a federation directory not provisioned yet
 *   (see {@link FederationWait}).
 *
 * Started by a Node parent with an IPC channel (the benchmark, the fault suite), it also shuts
 * down when that parent goes away, even if it crashed, so no gateway is left behind.
 */
export async function runGatewayProcess(env: Env, overrides: Env = {}): Promise<void> {
  let format: LogFormat = 'text';
  let formatError: unknown;
  try {
    format = loadLogFormat(env);
  } catch (e) {
    formatError = e;
  }
  const logger = createGatewayLogger(format);
  Logger.overrideLogger(logger);
  const log = new Logger('Xietong');
  const fail = (e: unknown): never => {
    log.error(describeStartupError(e));
    process.exit(1);
  };
  if (formatError) return fail(formatError);
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig({ ...env, ...overrides });
  } catch (e) {
    return fail(e);
  }
  let running: { close(): Promise<void> } | undefined;
  const stop = async (signal: string) => {
    log.log(`${signal}: shutting down`);
    await running?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  if (process.send) process.once('disconnect', () => void stop('parent process gone'));
  try {
    const gw = await start(config, logger, log, (r) => (running = r));
    if (!gw) return;
    running = gw;
    log.log(`agency ${config.agencyId} running [${[...config.roles].join(', ')}]${gw.url ? ` at ${gw.url}` : ''}`);
    // Said at every start (an info line: development runs are expected to be quiet), so a
    // gateway left in development mode shows in its log.
    if (config.development)
      log.log(
        `XIETONG_DEVELOPMENT=true: the API trusts ${config.auth.issuer} (keys ${config.auth.jwksUrl ?? config.auth.jwksFile}); never in production`,
      );
  } catch (e) {
    fail(e);
  }
}

async function start(
  config: GatewayConfig,
  logger: LoggerService,
  log: Logger,
  holding: (r: { close(): Promise<void> }) => void,
): Promise<RunningGateway | undefined> {
  let port: number | undefined;
  if (FederationWait.needed(config)) {
    const pollMs = Math.min(Math.max(config.federation.refreshMs || 2_000, 250), 5_000);
    const wait = new FederationWait(config, log, pollMs);
    holding({ close: () => wait.stop() });
    const held = await wait.hold();
    if (held.stopped) return undefined;
    port = held.port;
  }
  return startGateway(config, { logger, port });
}

/** One line: the code and message of a known error, the message of a system error, the stack of anything else (a bug). */
export function describeStartupError(e: unknown): string {
  if (e instanceof DomainError) return `${e.code}: ${e.message}`;
  const sys = e as NodeJS.ErrnoException;
  if (sys && typeof sys.code === 'string' && typeof sys.syscall === 'string') return `${sys.code}: ${sys.message}`;
  return (e as Error)?.stack ?? String(e);
}
