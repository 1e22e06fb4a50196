import { Injectable } from '@nestjs/common';
import { ArchiveRepository } from '@xietong/persistence';

/** The kinds of rows that archives hold and the retention worker may delete once archived. */
export type ArchivedKind = 'record' | 'receipt' | 'audit';

/**
 * Port of the retention worker: may rows of `kind` created before `upTo` leave the database?
 * Only when an archive holds them, i.e. an archive's period reaches `upTo`.
 */
export abstract class ArchiveCoverage {
  abstract isArchived(kind: ArchivedKind, upTo: Date): Promise<boolean>;
}

/**
 * The archive table's answer: every archive covers all records, receipts and audit entries of its
 * period (audit entries up to the last one that occurred before its end), and periods are contiguous
 * from the first row, so one archive reaching `upTo` covers every kind before it.
 */
@Injectable()
export class DatabaseArchiveCoverage extends ArchiveCoverage {
  constructor(private readonly archives: ArchiveRepository) {
    super();
  }

  isArchived(_kind: ArchivedKind, upTo: Date): Promise<boolean> {
    return this.archives.covers(upTo);
  }
}
