import { Test } from '@nestjs/testing';
import { GatewayConfigModule, GatewayRoles, loadGatewayConfig, Logs, type GatewayConfig } from '@xietong/config';
import { FederationModule } from '@xietong/federation';
import { InboxConsumer, MessagingModule } from '@xietong/messaging';
import { PersistenceModule } from '@xietong/persistence';
import { TimeLimits, WorkflowModule, WorkingDayCalendar } from '@xietong/workflow';
import { ExchangeModule } from './exchange.module';

const config = (roles: string): GatewayConfig =>
  loadGatewayConfig({ XIETONG_AGENCY_ID: '341825', XIETONG_DEVELOPMENT: 'true', XIETONG_ROLES: roles });

const moduleOf = (m: unknown) => (m as { module?: unknown }).module ?? m;

describe('a Nest module per lib', () => {
  it('ExchangeModule is not global, and imports and re-exports each lib module once', () => {
    const exchange = ExchangeModule.forRoot(config('http,relay,inbound,scheduler'));
    expect(exchange.global).toBeFalsy();
    const libs = [PersistenceModule, FederationModule, MessagingModule, WorkflowModule];
    expect((exchange.imports ?? []).map(moduleOf)).toEqual(libs);
    for (const lib of exchange.imports ?? []) expect(exchange.exports).toContain(lib);
  });

  it('provides the inbox consumer only to a process with the inbound role', () => {
    const provided = (roles: string) =>
      (ExchangeModule.forRoot(config(roles)).providers ?? []).some(
        (p) => typeof p === 'object' && 'provide' in p && p.provide === InboxConsumer,
      );
    expect(provided('inbound')).toBe(true);
    expect(provided('http,relay,scheduler')).toBe(false);
  });

  it('WorkflowModule provides the rules loaded from data, and GatewayConfigModule the shared tokens', async () => {
    const c = config('relay');
    const module = await Test.createTestingModule({
      imports: [GatewayConfigModule.forRoot(c), WorkflowModule],
    }).compile();
    expect(module.get(TimeLimits)).toBeInstanceOf(TimeLimits);
    expect(module.get(WorkingDayCalendar)).toBeInstanceOf(WorkingDayCalendar);
    expect([...module.get(GatewayRoles)]).toEqual(['relay']);
    expect(typeof module.get(Logs)('Spec')).toBe('function');
    await module.close();
  });
});
