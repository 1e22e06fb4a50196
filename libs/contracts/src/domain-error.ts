/**
 * Stable error codes of the gateway. The edge maps them to HTTP statuses, quarantine reasons
 * and receipt reason codes; domain code only throws.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'KAFKA_CONNECT_FAILED'
  | 'KAFKA_ADMIN_FAILED'
  | 'DATABASE_UNAVAILABLE'
  | 'VALIDATION_FAILED'
  | 'MALFORMED'
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_INVALID'
  | 'UNKNOWN_KEY'
  | 'KEY_NOT_VALID'
  | 'UNKNOWN_SENDER'
  | 'NOT_IN_AGREEMENT'
  | 'WRONG_RECIPIENT'
  | 'UNKNOWN_SCHEMA'
  | 'UNSUPPORTED_TYPE'
  | 'REPLAY'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_EXPIRED'
  | 'SCHEMA_INCOMPATIBLE'
  | 'UNKNOWN_RECIPIENT'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NO_JURISDICTION'
  | 'ILLEGAL_TRANSITION'
  | 'UNKNOWN_CASE'
  | 'CASE_AMBIGUOUS'
  | 'UNAUTHENTICATED'
  | 'AUTH_UNAVAILABLE'
  | 'NOT_REPLAYABLE'
  | 'MESSAGE_ID_CONFLICT'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'RECORD_TOO_LARGE'
  | 'CHECKPOINT_CONFLICT'
  | 'RATE_LIMITED'
  | 'ERASURE_NOT_PARTY'
  | 'ERASURE_UNSUPPORTED'
  | 'WEBHOOK_URL_REFUSED'
  | 'TSA_UNAVAILABLE'
  | 'TIMESTAMP_INVALID'
  | 'ARCHIVE_INVALID';

/** A failure with a stable code and, where one applies, the offending field path. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
