import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth/auth.guard';
import { TokenVerifier } from './auth/token-verifier';
import { ScrapeCredential } from './auth/scrape-credential';
import { GatewayConfigModule, type GatewayConfig } from '@xietong/config';
import { ComplainantReader, ExchangeModule } from '@xietong/exchange';
import { CaseController } from './http/case.controller';
import { ComplainantController } from './http/complainant.controller';
import { HealthController } from './http/health.controller';
import { MetricsController } from './http/metrics.controller';
import { ReportController } from './http/report.controller';
import { DashboardController } from './http/dashboard.controller';
import { MessageQueryController } from './http/message-query.controller';
import { PingController } from './http/ping.controller';
import { SubmissionController } from './http/submission.controller';
import { WebhookController } from './http/webhook.controller';
import { InboxController } from './kafka/inbox.controller';
import { AnonymousAccessTally } from './http/anonymous-access';
import { consoleControllers, consoleProviders } from '@xietong/console';

/** One agency gateway: the exchange plus, with the http role, its HTTP API. */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [GatewayConfigModule.forRoot(config), ExchangeModule.forRoot(config)],
      providers: config.roles.has('http')
        ? [
            { provide: TokenVerifier, useFactory: () => new TokenVerifier(config.auth) },
            { provide: ScrapeCredential, useFactory: () => new ScrapeCredential(config.metrics.tokenFile) },
            { provide: APP_GUARD, useClass: AuthGuard },
            ComplainantReader,
            AnonymousAccessTally,
            ...consoleProviders(config),
          ]
        : [],
      controllers: [
        ...(config.roles.has('http')
          ? [
              PingController,
              SubmissionController,
              MessageQueryController,
              CaseController,
              ComplainantController,
              HealthController,
              MetricsController,
              ReportController,
              DashboardController,
              WebhookController,
              ...consoleControllers(config),
            ]
          : []),
        ...(config.roles.has('inbound') ? [InboxController] : []),
      ],
    };
  }
}
