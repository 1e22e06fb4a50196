import { createHash } from 'node:crypto';
import { ERASED_PERSONAL_DATA } from '@xietong/contracts';
import type { SignedRecordRow } from '@xietong/persistence';

/** `typ` of the JWS an erasure entry carries. */
export const ERASURE_TYPE = 'xietong-erasure+json';
/** Audit entry kinds of retention. */
export const PERSONAL_DATA_ERASED = 'PERSONAL_DATA_ERASED';
export const RETENTION_RUN = 'RETENTION_RUN';

/**
 * What the gateway signs when it erases personal data from one stored message: which message,
 * the SHA-256 of every value removed and of the signed record bytes it no longer keeps, the
 * record's own JWS (which stays in the row), and the digest of the row's columns as left behind.
 * With it an auditor tells an erasure from tampering and still ties the row to its sender.
 */
export interface ErasureClaim {
  agency: string;
  messageId: string;
  type: string;
  sender: string;
  recipient: string;
  correlationId: string;
  reason: string;
  erasedAt: string;
  /** Body fields erased, each with the SHA-256 (hex) of the value removed (the JWE compact string). */
  removed: Record<string, string>;
  /** SHA-256 (hex) of the record bytes as signed, or null when none were kept. */
  record: string | null;
  /** The detached JWS over those bytes, as stored. */
  signature: string | null;
  /** {@link storedColumnsDigest} of the row after the erasure. */
  columns: string;
}

export const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * The body with each personal-data field replaced by the erased marker, and the digests of what
 * was removed. A field already erased, absent or not a string is left as it is.
 */
export function eraseFields(
  body: string,
  fields: readonly string[],
): { body: string; removed: Record<string, string> } {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  const removed: Record<string, string> = {};
  for (const field of fields) {
    const value = parsed[field];
    if (typeof value !== 'string' || value === ERASED_PERSONAL_DATA) continue;
    removed[field] = sha256(value);
    parsed[field] = ERASED_PERSONAL_DATA;
  }
  return { body: JSON.stringify(parsed), removed };
}

/** SHA-256 over the columns `audit verify` checks of a message whose record bytes are gone. */
export function storedColumnsDigest(row: SignedRecordRow): string {
  return sha256(
    JSON.stringify([
      row.messageId,
      row.direction,
      row.type,
      row.sender,
      row.recipient,
      row.signature || null,
      row.manifestSerial,
      row.derived.zone,
      row.derived.correlationId,
      row.derived.causationId,
      row.derived.createdAt.toISOString(),
      row.derived.bodySchema,
      row.derived.body,
    ]),
  );
}
