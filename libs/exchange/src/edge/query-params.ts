import { DomainError } from '@xietong/contracts';

/** What one query parameter may hold. Every endpoint declares its parameters with these. */
export type ParamSpec =
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'int'; min: number; max: number; default: number }
  | { kind: 'bool' }
  | { kind: 'date' }
  | { kind: 'text'; pattern?: RegExp; expected?: string; max?: number };

type ValueOf<P extends ParamSpec> = P extends { kind: 'int' }
  ? number
  : P extends { kind: 'bool' }
    ? boolean | undefined
    : P extends { kind: 'enum'; values: readonly (infer V)[] }
      ? V | undefined
      : string | undefined;

export type QueryOf<S extends Record<string, ParamSpec>> = { [K in keyof S]: ValueOf<S[K]> };

// NUL and the other C0 controls and DEL: never part of an identifier, and PostgreSQL cannot store NUL.
const CONTROL = /[\u0000-\u001f\u007f]/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const invalid = (name: string, message: string): never => {
  throw new DomainError('VALIDATION_FAILED', `query ${name} ${message}`, name);
};

export interface QueryOptions {
  /**
   * Treat `name=` as absent: an HTML form (the console's filters) sends every field, the unset
   * ones empty. The API takes parameters as given.
   */
  emptyAsAbsent?: boolean;
}

/**
 * Reads the declared query parameters (others are ignored), or fails with 400 naming the
 * parameter: given twice or as an array/object, a control character, out of range, not one of
 * the allowed values, or not a real calendar date.
 */
export function parseQuery<S extends Record<string, ParamSpec>>(
  query: unknown,
  spec: S,
  options: QueryOptions = {},
): QueryOf<S> {
  const q = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(spec)) {
    const raw = Object.hasOwn(q, name) ? q[name] : undefined;
    if (raw === undefined || (options.emptyAsAbsent && raw === '')) {
      out[name] = p.kind === 'int' ? p.default : undefined;
      continue;
    }
    if (typeof raw !== 'string') invalid(name, 'must be given once, as a single value');
    const v = raw as string;
    if (CONTROL.test(v)) invalid(name, 'must not contain control characters');
    out[name] = parseValue(name, v, p);
  }
  return out as QueryOf<S>;
}

function parseValue(name: string, v: string, p: ParamSpec): unknown {
  switch (p.kind) {
    case 'enum':
      if (!p.values.includes(v)) invalid(name, `must be one of ${p.values.join(', ')}`);
      return v;
    case 'int': {
      const n = /^-?\d{1,16}$/.test(v) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n) || n < p.min || n > p.max)
        invalid(name, `must be an integer from ${p.min} to ${p.max}`);
      return n;
    }
    case 'bool':
      if (v !== 'true' && v !== 'false') invalid(name, 'must be true or false');
      return v === 'true';
    case 'date':
      if (!isCalendarDate(v)) invalid(name, 'must be a calendar date YYYY-MM-DD');
      return v;
    case 'text':
      if (v.length > (p.max ?? 200)) invalid(name, `must be at most ${p.max ?? 200} characters`);
      if (p.pattern && !p.pattern.test(v)) invalid(name, `must be ${p.expected ?? p.pattern.source}`);
      return v;
  }
}

function isCalendarDate(v: string): boolean {
  if (!DATE.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/** A path parameter naming a case, complaint or other record: no control characters, bounded length. */
export function pathParam(v: string, name: string, max = 200): string {
  if (CONTROL.test(v) || v.length === 0 || v.length > max)
    throw new DomainError(
      'VALIDATION_FAILED',
      `path parameter ${name} must be 1 to ${max} characters without control characters`,
      name,
    );
  return v;
}

/** Parameters several endpoints share. */
export const PAGE = {
  limit: { kind: 'int', min: 1, max: 1000, default: 100 },
  offset: { kind: 'int', min: 0, max: 1_000_000, default: 0 },
} as const satisfies Record<string, ParamSpec>;

export const PARTNER = {
  kind: 'text',
  pattern: /^\d{6}$/,
  expected: 'a six-digit agency id',
} as const satisfies ParamSpec;

export const CASE_STATE = {
  kind: 'text',
  pattern: /^[A-Z_]{1,40}$/,
  expected: 'a case state such as RECEIVED',
} as const satisfies ParamSpec;

export const REASON_CODE = {
  kind: 'text',
  pattern: /^[A-Z_]{1,40}$/,
  expected: 'a reason code',
} as const satisfies ParamSpec;

export const MONTH = {
  kind: 'text',
  pattern: /^\d{4}-(0[1-9]|1[0-2])$/,
  expected: 'a month YYYY-MM',
} as const satisfies ParamSpec;
