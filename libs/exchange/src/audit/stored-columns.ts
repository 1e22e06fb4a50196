import type { Envelope } from '@xietong/contracts';
import type { Federation } from '@xietong/federation';
import type { SignedRecordRow } from '@xietong/persistence';
import type { WireCodec } from '../wire-codec';

/** One stored column that is not what the signed record says. */
export interface ColumnDifference {
  field: string;
  stored: string;
  signed: string;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Compares the columns a gateway derived from a signed record (and serves through its API and
 * console) with the record itself, decoded again: the envelope fields and the body, as canonical
 * JSON with instants compared by their time. The record bytes are already known to carry a valid
 * signature when this runs, so any difference is an edit of the database.
 */
export function storedColumnDifferences(
  row: SignedRecordRow,
  codec: WireCodec,
  federation: Federation,
): ColumnDifference[] {
  if (!row.value) return [];
  let envelope: Envelope;
  try {
    envelope = codec.envelope.decode(row.value);
  } catch (e) {
    return [{ field: 'record', stored: 'kept record bytes', signed: `do not decode: ${(e as Error).message}` }];
  }
  const out: ColumnDifference[] = [];
  const header: [string, unknown, unknown][] = [
    ['type', row.type, envelope.type],
    ['sender', row.sender, envelope.sender],
    ['recipient', row.recipient, envelope.recipient],
    ['zone', row.derived.zone, envelope.zone],
    ['correlationId', row.derived.correlationId, envelope.correlationId],
    ['causationId', row.derived.causationId, envelope.causationId],
    ['createdAt', row.derived.createdAt.toISOString(), envelope.createdAt],
    ['bodySchema', row.derived.bodySchema, envelope.bodySchema.toString('hex')],
  ];
  for (const [field, stored, signed] of header) {
    if (!sameValue(stored, signed)) out.push({ field, stored: show(stored), signed: show(signed) });
  }
  let storedBody: unknown;
  try {
    storedBody = JSON.parse(row.derived.body);
  } catch {
    out.push({ field: 'body', stored: show(row.derived.body), signed: 'a JSON document' });
    return out;
  }
  let signedBody: unknown;
  try {
    signedBody = codec.decodeBody(envelope, federation);
  } catch (e) {
    out.push({ field: 'body', stored: 'decoded body', signed: `does not decode: ${(e as Error).message}` });
    return out;
  }
  const path = firstDifference(storedBody, signedBody, 'body');
  if (path) out.push(path);
  return out;
}

function firstDifference(stored: unknown, signed: unknown, path: string): ColumnDifference | undefined {
  if (isObject(stored) && isObject(signed)) {
    const keys = [...new Set([...Object.keys(stored), ...Object.keys(signed)])].sort();
    for (const k of keys) {
      const d = firstDifference(stored[k], signed[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  if (Array.isArray(stored) && Array.isArray(signed)) {
    for (let i = 0; i < Math.max(stored.length, signed.length); i++) {
      const d = firstDifference(stored[i], signed[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  return sameValue(stored, signed) ? undefined : { field: path, stored: show(stored), signed: show(signed) };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a === 'string' && typeof b === 'string' && ISO_INSTANT.test(a) && ISO_INSTANT.test(b)) {
    return Date.parse(a) === Date.parse(b);
  }
  return false;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  const text = v === undefined ? '(absent)' : JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
