import { DomainError } from '@xietong/contracts';
import { type ParamSpec, parseQuery, type QueryOf } from '@xietong/exchange';

export const PAGE_SIZE = 50;

/** The console's pager: page 1 first, 50 rows a page. */
export const PAGE = { page: { kind: 'int', min: 1, max: 100_000, default: 1 } } as const satisfies Record<
  string,
  ParamSpec
>;

/**
 * The console's query parameters, read by the same mechanism as the API's (400 naming the
 * parameter), except that an empty value is absent: the filter forms send every field.
 */
export function consoleQuery<S extends Record<string, ParamSpec>>(query: unknown, spec: S): QueryOf<S> {
  return parseQuery(query, spec, { emptyAsAbsent: true });
}

/** The rows of a page. */
export function pageOf(page: number): { page: number; offset: number; size: number } {
  return { page, offset: (page - 1) * PAGE_SIZE, size: PAGE_SIZE };
}

/** Only the filters that are set, to carry over into pager links. */
export function setFilters(q: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(q)
      .filter(([k, v]) => v !== undefined && v !== '' && v !== false && k !== 'page')
      .map(([k, v]) => [k, String(v)]),
  );
}

/** A path segment that must be one of `allowed` (a page of the console for a kind of case or form). */
export function pathChoice<T extends string>(v: string, allowed: readonly T[], name: string): T {
  if (!(allowed as readonly string[]).includes(v))
    throw new DomainError('VALIDATION_FAILED', `path parameter ${name} must be one of ${allowed.join(', ')}`, name);
  return v as T;
}
