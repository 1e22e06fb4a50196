import type * as avro from 'avsc';
import { DomainError } from './domain-error';

/**
 * The body exactly as a receiver will decode it from the record (timestamps in UTC with
 * milliseconds, defaults filled in): what the sender stores and shows must be what it signed.
 */
export function canonicalBody<T = Record<string, unknown>>(type: avro.Type, body: unknown): T {
  return JSON.parse(JSON.stringify(type.fromBuffer(type.toBuffer(body)))) as T;
}

/**
 * Validates a JSON body against an Avro record type and returns it with defaults filled in.
 * The error names the first offending field path (e.g. `subject.registeredAddress.divisionCode`).
 */
export function validateBody<T = Record<string, unknown>>(type: avro.Type, body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DomainError('VALIDATION_FAILED', 'body must be a JSON object', '');
  }
  const unknownField = firstUnknownField(type, body as Record<string, unknown>, '');
  if (unknownField) throw new DomainError('VALIDATION_FAILED', `unknown field ${unknownField}`, unknownField);
  const text = firstInvalidText(body);
  if (text) throw new DomainError('VALIDATION_FAILED', `field ${text.path}: ${text.problem}`, text.path);
  const negative = firstNegativeAmount(body);
  if (negative)
    throw new DomainError('VALIDATION_FAILED', `field ${negative}: an amount of money must be 0 or more`, negative);
  const withDefaults = fillDefaults(type, body as Record<string, unknown>);
  let problem: { path: string; value: unknown; expected: string } | undefined;
  type.isValid(withDefaults, {
    errorHook(path: string[], value: unknown, t: avro.Type) {
      if (!problem) problem = { path: path.join('.'), value, expected: describe(t) };
    },
  });
  if (problem) {
    const got = problem.value === undefined ? 'missing' : `got ${JSON.stringify(problem.value)}`.slice(0, 120);
    throw new DomainError(
      'VALIDATION_FAILED',
      `field ${problem.path || '(body)'}: expected ${problem.expected}, ${got}`,
      problem.path,
    );
  }
  return withDefaults as T;
}

function describe(t: avro.Type): string {
  const anyT = t as unknown as { typeName: string; symbols?: string[]; name?: string };
  if (anyT.symbols) return `one of ${anyT.symbols.join(', ')}`;
  if (anyT.typeName === 'logical:timestamp-millis') return 'an ISO-8601 timestamp';
  if (anyT.typeName === 'logical:date') return 'a date YYYY-MM-DD';
  if (anyT.typeName === 'logical:uuid') return 'a UUID';
  if (anyT.typeName === 'union:unwrapped') return 'null or a value of the declared type';
  return anyT.name ? `${anyT.typeName} ${anyT.name}` : anyT.typeName;
}

type RecordLike = avro.Type & { fields?: { name: string; type: avro.Type; defaultValue(): unknown }[] };

/** Recursively fills missing record fields that declare a default; leaves everything else alone. */
function fillDefaults(type: avro.Type, value: unknown): unknown {
  const t = type as RecordLike;
  const name = (t as unknown as { typeName: string }).typeName;
  if (name === 'record' && isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const f of t.fields ?? []) {
      const v = value[f.name];
      out[f.name] = v === undefined ? f.defaultValue() : fillDefaults(f.type, v);
    }
    return out;
  }
  if (name === 'array' && Array.isArray(value)) {
    const items = (t as unknown as { itemsType: avro.Type }).itemsType;
    return value.map((v) => fillDefaults(items, v));
  }
  if (name === 'union:unwrapped' && isObject(value)) {
    const branch = (t as unknown as { types: avro.Type[] }).types.find(
      (b) => (b as unknown as { typeName: string }).typeName === 'record',
    );
    return branch ? fillDefaults(branch, value) : value;
  }
  return value;
}

function firstUnknownField(type: avro.Type, value: Record<string, unknown>, prefix: string): string | undefined {
  const t = type as RecordLike;
  const name = (t as unknown as { typeName: string }).typeName;
  if (name === 'union:unwrapped') {
    const branch = (t as unknown as { types: avro.Type[] }).types.find(
      (b) => (b as unknown as { typeName: string }).typeName === 'record',
    );
    return branch ? firstUnknownField(branch, value, prefix) : undefined;
  }
  if (name === 'array' && Array.isArray(value)) {
    const items = (t as unknown as { itemsType: avro.Type }).itemsType;
    for (let i = 0; i < value.length; i++) {
      const found = isObject(value[i])
        ? firstUnknownField(items, value[i] as Record<string, unknown>, `${prefix}${i}.`)
        : undefined;
      if (found) return found;
    }
    return undefined;
  }
  if (name !== 'record') return undefined;
  const fields = new Map((t.fields ?? []).map((f) => [f.name, f.type]));
  for (const [k, v] of Object.entries(value)) {
    const ft = fields.get(k);
    if (!ft) return `${prefix}${k}`;
    if (isObject(v) || Array.isArray(v)) {
      const found = firstUnknownField(ft, v as Record<string, unknown>, `${prefix}${k}.`);
      if (found) return found;
    }
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// NUL and the other C0 controls except tab, line feed and carriage return: not text, and
// PostgreSQL cannot store NUL in a text column.
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Why a string is not text a gateway stores and signs, or undefined when it is. */
function textProblem(s: string): string | undefined {
  if (FORBIDDEN.test(s)) return 'control characters are not accepted';
  // JSON.parse("\"\\ud800\"") yields a lone surrogate, which UTF-8 cannot encode: it would be
  // stored and signed as U+FFFD, not what the sender sent.
  if (!s.isWellFormed()) return 'ill-formed Unicode (a lone surrogate) is not accepted';
  return undefined;
}

/**
 * The first string in `value` that is not acceptable text (control characters, ill-formed
 * UTF-16), with its path and why; undefined when every string is.
 */
export function firstInvalidText(value: unknown, path = ''): { path: string; problem: string } | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path: path || '(value)', problem } : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstInvalidText(value[i], path ? `${path}.${i}` : String(i));
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const [k, v] of Object.entries(value)) {
      const found = firstInvalidText(v, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}

/** Amounts of money are integers of fen (fields named `…Fen`): never negative. */
function firstNegativeAmount(value: unknown, path = ''): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstNegativeAmount(value[i], path ? `${path}.${i}` : String(i));
      if (found) return found;
    }
    return undefined;
  }
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      if (k.endsWith('Fen') && typeof v === 'number' && v < 0) return at;
      const found = firstNegativeAmount(v, at);
      if (found) return found;
    }
  }
  return undefined;
}
