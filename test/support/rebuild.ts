import type { INestApplicationContext, InjectionToken, Type } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';

/**
 * `service` as Nest builds it from the providers of a running gateway, with the replacements a
 * test makes through `override` (`b.overrideProvider(RecordPublisher).useValue(...)`). The
 * dependencies are read from the service's constructor, so the test names only what it replaces.
 */
export async function rebuild<T>(
  app: INestApplicationContext,
  service: Type<T>,
  override: (builder: TestingModuleBuilder) => TestingModuleBuilder = (b) => b,
): Promise<T> {
  const deps = (Reflect.getMetadata('design:paramtypes', service) ?? []) as InjectionToken[];
  const builder = Test.createTestingModule({
    providers: [service, ...deps.map((d) => ({ provide: d, useValue: app.get(d) }))],
  });
  return (await override(builder).compile()).get(service);
}
