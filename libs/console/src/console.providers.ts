import type { Provider, Type } from '@nestjs/common';
import type { GatewayConfig } from '@xietong/config';
import { provideFactory } from '@xietong/exchange';
import { ConsoleQueryRepository, Database } from '@xietong/persistence';
import { AuditorConsoleController } from './auditor-console.controller';
import { ConsoleAssetsController } from './console-assets.controller';
import { ConsoleAuthController } from './console-auth.controller';
import { ConsoleGuard } from './console-context';
import { ConsoleOidc } from './console-oidc';
import { AuditorPages } from './queries/auditor-pages';
import { FlowFigures } from './queries/flow-figures';
import { StaffPages } from './queries/staff-pages';
import { ConsoleSessionStore } from './console-session.store';
import { StaffConsoleController } from './staff-console.controller';

/** The console's services, when an identity provider is configured (XIETONG_OIDC_ISSUER). */
export function consoleProviders(config: GatewayConfig): Provider[] {
  const settings = config.console;
  if (!settings) return [];
  return [
    { provide: ConsoleOidc, useFactory: () => new ConsoleOidc(settings) },
    { provide: ConsoleSessionStore, useFactory: () => new ConsoleSessionStore(settings.sessionMinutes * 60_000) },
    provideFactory(ConsoleQueryRepository, [Database], (db) => new ConsoleQueryRepository(db)),
    FlowFigures,
    AuditorPages,
    StaffPages,
    ConsoleGuard,
  ];
}

export function consoleControllers(config: GatewayConfig): Type[] {
  if (!config.console) return [];
  return [ConsoleAuthController, ConsoleAssetsController, AuditorConsoleController, StaffConsoleController];
}
