import type { INestApplication, InjectionToken, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { DomainError } from '@xietong/contracts';
import { AuthGuard } from '../../libs/gateway/src/auth/auth.guard';
import { ScrapeCredential } from '../../libs/gateway/src/auth/scrape-credential';
import { TokenVerifier } from '../../libs/gateway/src/auth/token-verifier';
import { DomainErrorFilter } from '../../libs/gateway/src/http/domain-error.filter';

/**
 * A bearer token the fake verifier of {@link controllerApp} accepts: the caller `subject` with
 * `roles`. `bearer('expired')` is refused as expired.
 */
export const bearer = (...roles: string[]) => `Bearer t.${roles.join('_') || 'none'}.s`;

/**
 * One or more gateway controllers in a Nest testing module with the real AuthGuard and error
 * filter; every provider they need is registered and replaced with `overrideProvider`, so the
 * controllers run against mocks of their services. Token verification is faked: the middle part of
 * a three-part token names the caller's roles (see {@link bearer}), the subject is `caller-1`.
 */
export async function controllerApp(
  controllers: Type[],
  overrides: [InjectionToken, unknown][],
): Promise<{ app: INestApplication; http: () => ReturnType<typeof request> }> {
  let builder = Test.createTestingModule({
    controllers,
    // Registered as they are declared (a class, a private constructor too, or a symbol), then
    // replaced below before anything is built.
    providers: [
      ...overrides.map(([token]) =>
        typeof token === 'function' ? (token as Type) : { provide: token, useValue: null },
      ),
      TokenVerifier,
      // No static scrape credential: every request needs a (fake) JWT.
      { provide: ScrapeCredential, useValue: new ScrapeCredential(undefined) },
      { provide: APP_GUARD, useClass: AuthGuard },
    ],
  });
  for (const [token, value] of overrides) builder = builder.overrideProvider(token).useValue(value);
  const verifier = {
    verify: (token: string) => {
      const roles = token.split('.')[1];
      if (roles === 'expired') return Promise.reject(new DomainError('UNAUTHENTICATED', 'token expired'));
      return Promise.resolve({ subject: 'caller-1', roles: roles === 'none' ? [] : roles.split('_') });
    },
  };
  const moduleRef = await builder.overrideProvider(TokenVerifier).useValue(verifier).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  app.useGlobalFilters(new DomainErrorFilter());
  await app.init();
  return { app, http: () => request(app.getHttpServer()) };
}
