import { Global, Logger, Module, type DynamicModule } from '@nestjs/common';
import { Failpoints } from './failpoints';
import type { GatewayConfig } from './gateway-config';
import { AgencyId, GATEWAY_CONFIG, Logs, provideFactory, provideValue, GatewayRoles } from './nest-tokens';

/**
 * The gateway's identity, roles, logging and test failpoints, visible to every module of the process (global, like
 * `@nestjs/config`'s): the lib modules take their own config slices in their `forRoot`, and these
 * are what all of them share. The whole {@link GatewayConfig} is here for the HTTP layer.
 */
@Global()
@Module({})
export class GatewayConfigModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const providers = [
      provideValue(GATEWAY_CONFIG, config),
      provideValue(AgencyId, config.agencyId),
      provideValue(GatewayRoles, config.roles),
      provideValue(Logs, (context) => {
        const logger = new Logger(`${context} ${config.agencyId}`);
        return (level, message) => logger[level](message);
      }),
      provideFactory(Failpoints, [], () => {
        const f = new Failpoints(config.failpoints);
        if (f.armed.length > 0)
          new Logger(`Gateway ${config.agencyId}`).warn(
            `TEST FAILPOINTS ARMED, this process will kill itself: ${f.armed.join(', ')}`,
          );
        return f;
      }),
    ];
    return { module: GatewayConfigModule, providers, exports: providers.map((p) => p.provide) };
  }
}
