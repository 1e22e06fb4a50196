import { DomainError } from '@xietong/contracts';
import type { ArchiveRepository, ArchiveRow } from '@xietong/persistence';

/**
 * Deletes the rows that the archives ending at or before `until` hold (the newest such archive and
 * everything before it): settled messages, audit entries, checkpoints and own countersigned
 * checkpoints. The audit chain left in the database links to that archive's last entry, which
 * `audit verify` takes as its start. VALIDATION_FAILED when no archive ends by `until`.
 */
export async function pruneArchived(
  agency: string,
  until: Date,
  archives: ArchiveRepository,
  now = new Date(),
): Promise<{ archive: ArchiveRow; deleted: Record<string, number> }> {
  const covering = (await archives.all()).filter((a) => a.untilAt.getTime() <= until.getTime()).pop();
  if (!covering)
    throw new DomainError(
      'VALIDATION_FAILED',
      `no archive ends at or before ${until.toISOString()}: export one first (archive export --until)`,
      'until',
    );
  return { archive: covering, deleted: await archives.prune(agency, covering, now) };
}
