import type { RowOf } from './schema/table-spec';
import type { CASE_FILE, MESSAGE, OUTBOX, QUARANTINE } from './schema/tables';

/** Row shapes of the gateway's tables, generated from their specs (./schema/tables.ts). */

export type { Direction, MessageStatus } from './schema/tables';

export type MessageRecord = RowOf<typeof MESSAGE.columns>;
export type OutboxRecord = RowOf<typeof OUTBOX.columns>;
export type QuarantineRecord = RowOf<typeof QUARANTINE.columns>;
/** One lead, complaint or assistance request this gateway transferred (transferor) or handles (handler). */
export type CaseRecord = RowOf<typeof CASE_FILE.columns>;
