/** What an archive can cover: the classes the retention worker deletes only once archived. */
export type ArchivedKind = 'records' | 'receipts' | 'audit';

/**
 * Tells the retention worker whether an archive already holds a class up to a point: audit
 * entries up to a sequence number, records and receipts up to a creation time. The worker never
 * deletes what this does not answer true for. Bound to {@link NothingArchived} until archives
 * (`xietong archive export`) provide a real answer.
 */
export abstract class ArchiveCoverage {
  abstract isArchived(kind: ArchivedKind, upTo: { seq?: number; createdAt?: Date }): Promise<boolean>;
}

/** The default: nothing is archived, so records, receipts and audit entries stay. */
export class NothingArchived extends ArchiveCoverage {
  async isArchived(): Promise<boolean> {
    return false;
  }
}
