import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  Logger,
  type INestApplicationContext,
  type INestMicroservice,
  type LoggerService,
  type LogLevel,
} from '@nestjs/common';
import type { GatewayConfig } from '@xietong/config';
import { WireCodec } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { BrokerStatus, InboxConsumer, KafkaInboxTransport } from '@xietong/messaging';
import { GatewayModule } from './gateway.module';
import { bodyDepthLimit } from './http/body-depth';
import { DomainErrorFilter } from './http/domain-error.filter';
import { setupOpenApi } from './http/openapi';
import { accessLog } from './http/access-log';
import { AnonymousAccessTally } from './http/anonymous-access';
import { securityHeaders } from './http/security-headers';
import { FixedWindowLimiter, signInRateLimit } from './http/sign-in-limiter';
import { createGatewayLogger } from './logging/gateway-logger';
import { AuditRepository, Database } from '@xietong/persistence';

export interface RunningGateway {
  readonly config: GatewayConfig;
  readonly app: INestApplicationContext;
  /** Base URL of the HTTP API, when the http role runs. */
  readonly url?: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Levels of the default (human-readable) logger. */
  logLevels?: LogLevel[];
  /** The process's logger (runGatewayProcess passes the one XIETONG_LOG_FORMAT asks for). */
  logger?: LoggerService;
  /** Listen on this port instead of config.http.port (the port a waiting process already holds). */
  port?: number;
}

/**
 * Boots one agency gateway in this process (the apps and the embedded demo all use this). A
 * failure rejects with the error (Nest's abortOnError is off: no process exit, no stack trace
 * printed here): the caller reports it.
 */
export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createGatewayLogger('text', options.logLevels ?? ['log', 'warn', 'error']);
  const module = GatewayModule.forRoot(config);
  if (!config.roles.has('http')) {
    if (!config.roles.has('inbound')) {
      const app = await NestFactory.createApplicationContext(module, { logger, abortOnError: false });
      await orClose(app, () => app.init());
      return { config, app, close: () => app.close() };
    }
    // The consumer is a provider of the app it serves, taken at listen time.
    const built: { app?: INestMicroservice } = {};
    const transport: KafkaInboxTransport = new KafkaInboxTransport(
      () => built.app!.get(InboxConsumer),
      () => built.app!.get(BrokerStatus),
    );
    const micro = await NestFactory.createMicroservice(module, { strategy: transport, logger, abortOnError: false });
    built.app = micro;
    await orClose(micro, () => micro.listen());
    return { config, app: micro, close: () => micro.close() };
  }
  const app = await NestFactory.create<NestExpressApplication>(module, {
    logger,
    bodyParser: false,
    abortOnError: false,
  });
  let log: ReturnType<typeof accessLog> | undefined;
  await orClose(app, async () => {
    // X-Forwarded-For names the client only when it comes from a configured proxy; otherwise the
    // address recorded (audit, personal-data access) is the peer's, whatever a client claims.
    const proxies = config.httpHardening.trustedProxies;
    app.set('trust proxy', proxies.length > 0 ? proxies : false);
    app.use(securityHeaders(config.console?.issuer));
    app.useBodyParser('json', { limit: config.http.bodyLimit });
    // The console's HTML forms; the API itself still answers 415 to anything but JSON.
    app.useBodyParser('urlencoded', { limit: config.http.bodyLimit, extended: false });
    app.use(bodyDepthLimit());
    app.useGlobalFilters(new DomainErrorFilter());
    app.disable('x-powered-by');
    log = accessLog(
      app.get(Database),
      app.get(AuditRepository),
      new Logger(`HTTP ${config.agencyId}`),
      app.get(AnonymousAccessTally),
      config.httpHardening.anonymousAuditIntervalMs,
    );
    app.use(log);
    // After the access log, so that refused sign-in requests are counted too.
    app.use(signInRateLimit(new FixedWindowLimiter(config.httpHardening.signInPerMinute, 60_000)));
    setupOpenApi(app, config, app.get(WireCodec), app.get(ManifestStore).lastKnown);
    if (config.roles.has('inbound')) {
      app.connectMicroservice({
        strategy: new KafkaInboxTransport(
          () => app.get(InboxConsumer),
          () => app.get(BrokerStatus),
        ),
      });
      await app.init();
      await app.startAllMicroservices();
    }
    await app.listen(options.port ?? config.http.port, config.http.host);
  });
  const address = app.getHttpServer().address() as { port: number };
  const close = async () => {
    // The last interval's anonymous requests, while the database is still open.
    await log?.close();
    await app.close();
  };
  return { config, app, url: `http://${config.http.host}:${address.port}`, close };
}

/** A gateway that failed half-way is closed (database, timers) before the error goes to the caller. */
async function orClose<T>(app: INestApplicationContext, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (e) {
    await app.close().catch(() => undefined);
    throw e;
  }
}
