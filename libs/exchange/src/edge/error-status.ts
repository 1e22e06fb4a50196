import type { ErrorCode } from '@xietong/contracts';

/**
 * The one map from a domain error code to an HTTP status, for the API (JSON) and the console (HTML)
 * alike. Every code has an entry, so a new code does not compile until it has a status. Codes that
 * only the Kafka side raises (a refused record is quarantined, never answered over HTTP) map to 500:
 * reaching a client, they are a fault of this gateway.
 */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ILLEGAL_TRANSITION: 409,
  CASE_AMBIGUOUS: 409,
  NOT_REPLAYABLE: 409,
  MESSAGE_ID_CONFLICT: 409,
  RECORD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNKNOWN_RECIPIENT: 422,
  NOT_IN_AGREEMENT: 422,
  NO_JURISDICTION: 422,
  UNKNOWN_CASE: 422,
  UNKNOWN_SCHEMA: 422,
  UNSUPPORTED_TYPE: 422,
  WEBHOOK_URL_REFUSED: 422,
  AUTH_UNAVAILABLE: 503,
  MANIFEST_EXPIRED: 503,
  MANIFEST_INVALID: 503,
  CONFIG_INVALID: 500,
  KAFKA_CONNECT_FAILED: 500,
  DATABASE_UNAVAILABLE: 500,
  MALFORMED: 500,
  SIGNATURE_MISSING: 500,
  SIGNATURE_INVALID: 500,
  UNKNOWN_KEY: 500,
  KEY_NOT_VALID: 500,
  UNKNOWN_SENDER: 500,
  WRONG_RECIPIENT: 500,
  REPLAY: 500,
  SCHEMA_INCOMPATIBLE: 500,
  CHECKPOINT_CONFLICT: 500,
  RATE_LIMITED: 429,
  ERASURE_NOT_PARTY: 500,
  ERASURE_UNSUPPORTED: 500,
  KAFKA_ADMIN_FAILED: 500,
  // The archive and time-stamping tools (CLI, scheduler): never an API answer.
  TSA_UNAVAILABLE: 503,
  TIMESTAMP_INVALID: 500,
  ARCHIVE_INVALID: 500,
};

/** The HTTP status of a domain error code (500 for a code this gateway's build does not know). */
export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code] ?? 500;
}
