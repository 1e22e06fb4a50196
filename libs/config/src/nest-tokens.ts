import type { Abstract, FactoryProvider, ValueProvider } from '@nestjs/common';
import type { GatewayConfig } from './gateway-config';

/**
 * An injection token that is also the type it stands for: an abstract class whose instances are
 * `T`. Declare a constant and a type of the same name, and a constructor parameter typed with it
 * is resolved by Nest from its type (no `@Inject`), like a class provider:
 *
 * ```ts
 * export const RelaySettings = token<RelaySettings>('RelaySettings');
 * export interface RelaySettings { batchSize: number }
 * constructor(private readonly settings: RelaySettings) {}
 * ```
 *
 * What a service receives is then checked by the compiler at both ends: the parameter's type is
 * the token, and {@link provideValue} / {@link provideFactory} only accept a `T` for it.
 */
export type Token<T> = (abstract new () => T) & { readonly prototype: T };

/** A token or a class (constructor private or not) that provides a `T`. */
export type Key<T> = Abstract<T>;

/** A new {@link Token} named `name` (the name appears in Nest's resolution errors). */
export function token<T>(name: string): Token<T> {
  const named = { [name]: class {} };
  return named[name] as unknown as Token<T>;
}

/** What a token or class provides. */
export type Provided<K> = K extends Key<infer T> ? T : never;

/** A value provider whose value must have the token's type. */
export function provideValue<T>(provide: Key<T>, useValue: NoInfer<T>): ValueProvider<T> {
  return { provide, useValue };
}

/**
 * A factory provider whose parameters are typed from its `inject` list: swapping two tokens, or
 * naming one of the wrong type, does not compile. For classes this lib does not own (repositories,
 * the broker client); the exchange's own services are `@Injectable` and need no factory.
 */
export function provideFactory<T, const D extends readonly Key<unknown>[]>(
  provide: Key<T>,
  inject: D,
  useFactory: (...deps: { [I in keyof D]: Provided<D[I]> }) => NoInfer<T> | Promise<NoInfer<T>>,
): FactoryProvider<T> {
  return { provide, inject: [...inject], useFactory: useFactory as (...args: unknown[]) => T | Promise<T> };
}

/** One log line of a service. */
export type Log = (level: 'log' | 'warn' | 'error', message: string) => void;

/** Where services log: one {@link Log} per context ("Relay", "Inbound"). */
export const Logs = token<Logs>('Logs');
export type Logs = (context: string) => Log;

/** A sink for tests: no output. */
export const silentLogs: Logs = () => () => undefined;

/** This gateway's agency id (six digits, GB/T 2260). */
export const AgencyId = token<AgencyId>('AgencyId');
export type AgencyId = string;

/**
 * The validated configuration of the whole gateway. Services take the slice they read instead (a
 * token per slice, next to the service); the HTTP layer's controllers still take the whole.
 */
export const GATEWAY_CONFIG = token<GatewayConfig>('GatewayConfig');

/** The roles this process runs (XIETONG_ROLES). */
export const GatewayRoles = token<GatewayRoles>('GatewayRoles');
export type GatewayRoles = GatewayConfig['roles'];
