import { Injectable } from '@nestjs/common';
import { ArchiveRepository } from '@xietong/persistence';
import { ArchiveCoverage, type ArchivedKind } from '../retention/archive-coverage';

/**
 * The archive table's answer to the retention worker's question (may rows of a class created before
 * a point leave the database?): every archive covers all records, receipts and audit entries of its
 * period (audit entries up to the last one that occurred before its end), and periods are contiguous
 * from the first row, so one archive reaching the point covers every class before it. Rows leave only
 * through `xietong archive prune`, which moves the audit chain's anchor with them.
 */
@Injectable()
export class DatabaseArchiveCoverage extends ArchiveCoverage {
  constructor(private readonly archives: ArchiveRepository) {
    super();
  }

  isArchived(_kind: ArchivedKind, upTo: { seq?: number; createdAt?: Date }): Promise<boolean> {
    if (!upTo.createdAt) return Promise.resolve(false);
    return this.archives.covers(upTo.createdAt);
  }
}
