import type { EntitySchema } from 'typeorm';
import type { Dialect } from './column-types';
import type { CaseRecord, MessageRecord, OutboxRecord, QuarantineRecord } from './records';
import { CASE_FILE, MESSAGE, OUTBOX, QUARANTINE } from './schema/tables';

export interface Entities {
  message: EntitySchema<MessageRecord>;
  outbox: EntitySchema<OutboxRecord>;
  quarantine: EntitySchema<QuarantineRecord>;
  caseFile: EntitySchema<CaseRecord>;
}

/**
 * TypeORM entity schemas for one dialect, generated from the table specs (./schema/tables.ts),
 * for the repositories that read through TypeORM's query builder.
 */
export function defineEntities(dialect: Dialect): Entities {
  return {
    message: MESSAGE.entity(dialect),
    outbox: OUTBOX.entity(dialect),
    quarantine: QUARANTINE.entity(dialect),
    caseFile: CASE_FILE.entity(dialect),
  };
}
