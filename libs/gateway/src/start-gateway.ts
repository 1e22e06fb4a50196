import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { INestApplicationContext, LogLevel } from '@nestjs/common';
import type { GatewayConfig } from '@xietong/config';
import { GatewayModule } from './gateway.module';
import { DomainErrorFilter } from './http/domain-error.filter';

export interface RunningGateway {
  readonly config: GatewayConfig;
  readonly app: INestApplicationContext;
  /** Base URL of the HTTP API, when the http role runs. */
  readonly url?: string;
  close(): Promise<void>;
}

/** Boots one agency gateway in this process (the apps and the embedded demo all use this). */
export async function startGateway(config: GatewayConfig, options: { logLevels?: LogLevel[] } = {}): Promise<RunningGateway> {
  const logger = options.logLevels ?? ['log', 'warn', 'error'];
  if (!config.roles.has('http')) {
    const app = await NestFactory.createApplicationContext(GatewayModule.forRoot(config), { logger });
    await app.init();
    return { config, app, close: () => app.close() };
  }
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config), { logger, bodyParser: false });
  app.useBodyParser('json', { limit: config.http.bodyLimit });
  app.useGlobalFilters(new DomainErrorFilter());
  app.disable('x-powered-by');
  await app.listen(config.http.port, config.http.host);
  const address = app.getHttpServer().address() as { port: number };
  return { config, app, url: `http://${config.http.host}:${address.port}`, close: () => app.close() };
}
