import * as avro from 'avsc';

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Milliseconds of an ISO 8601 timestamp with seconds and an offset (`Z` or `±hh:mm`), or
 * undefined: no impossible dates (2026-02-30), no bare numbers ("1"), no local times without offset.
 */
export function strictTimestampMillis(value: string): number | undefined {
  const m = ISO_TIMESTAMP.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, , , oh, om] = m;
  if (!isCalendarDate(`${y}-${mo}-${d}`)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  if (oh !== undefined && (Number(oh) > 14 || Number(om) > 59)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function isCalendarDate(value: string): boolean {
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/**
 * timestamp-millis as ISO-8601 strings in JavaScript, so bodies round-trip through JSON
 * (HTTP, database) unchanged. Accepts a strict ISO 8601 string with offset, or a Date, when writing.
 */
class TimestampMillis extends avro.types.LogicalType {
  override _fromValue(value: number): string {
    return new Date(value).toISOString();
  }
  override _toValue(value: unknown): number | undefined {
    if (value instanceof Date) return value.getTime();
    if (typeof value !== 'string') return undefined;
    return strictTimestampMillis(value);
  }
  override _resolve(type: avro.Type) {
    // A logical writer type already yields the converted value; a plain long needs converting.
    if (avro.Type.isType(type, 'logical:timestamp-millis')) return (v: string) => v;
    if (avro.Type.isType(type, 'long')) return (v: number) => this._fromValue(v);
    return undefined;
  }
}

/** Avro `date` (days since epoch) as a local calendar date string `YYYY-MM-DD`. */
class LocalDate extends avro.types.LogicalType {
  override _fromValue(value: number): string {
    return new Date(value * DAY_MS).toISOString().slice(0, 10);
  }
  override _toValue(value: unknown): number | undefined {
    if (typeof value !== 'string' || !ISO_DATE.test(value) || !isCalendarDate(value)) return undefined;
    return Date.parse(`${value}T00:00:00Z`) / DAY_MS;
  }
  override _resolve(type: avro.Type) {
    if (avro.Type.isType(type, 'logical:date')) return (v: string) => v;
    if (avro.Type.isType(type, 'int')) return (v: number) => this._fromValue(v);
    return undefined;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** RFC 4122 text form, validated. */
class Uuid extends avro.types.LogicalType {
  override _fromValue(value: string): string {
    return value;
  }
  override _toValue(value: unknown): string | undefined {
    return typeof value === 'string' && UUID.test(value) ? value : undefined;
  }
  override _resolve(type: avro.Type) {
    if (avro.Type.isType(type, 'string', 'logical:uuid')) return (v: string) => v;
    return undefined;
  }
}

/** Options every Xietong schema is parsed with. */
export const AVRO_PARSE_OPTIONS: Partial<avro.ForSchemaOptions> = {
  logicalTypes: { 'timestamp-millis': TimestampMillis, date: LocalDate, uuid: Uuid },
  wrapUnions: false,
};
