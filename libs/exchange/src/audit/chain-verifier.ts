import { GENESIS_HASH, entryHash, type AuditEntry } from '@xietong/persistence';

export interface ChainFinding {
  /** The audit entry concerned (0 for a stored message signature). */
  seq: number;
  messageId?: string;
  /** The stored column that differs from the signed record, for a message finding. */
  field?: string;
  problem: string;
}

/**
 * Re-walks a hash chain and names the first entry that does not match: a changed entry (its hash
 * no longer matches its content), a deleted or inserted one (the sequence or the link to the
 * previous hash breaks), or a chain cut short (the head says more entries were written). The chain
 * starts at genesis, or after `start` (the anchor of an archived and pruned prefix). `entries`
 * counts the entries walked, `lastSeq` is the seq of the last one.
 */
export async function verifyChain(
  entries: AsyncIterable<AuditEntry> | Iterable<AuditEntry>,
  head?: { seq: number; hash: string },
  start: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH },
): Promise<{ entries: number; lastSeq: number; lastHash: string; finding?: ChainFinding }> {
  let expectedSeq = start.seq + 1;
  let prevHash = start.hash;
  let count = 0;
  const found = (finding: ChainFinding) => ({
    entries: count,
    lastSeq: start.seq + count,
    lastHash: prevHash,
    finding,
  });
  let hashAtHead: string | undefined;
  for await (const e of entries) {
    if (e.seq !== expectedSeq) {
      return found({
        seq: e.seq,
        problem:
          e.seq > expectedSeq
            ? `entry ${expectedSeq}${e.seq - expectedSeq > 1 ? `..${e.seq - 1}` : ''} is missing before entry ${e.seq} (deleted?)`
            : `entry ${e.seq} appears twice or out of order`,
      });
    }
    if (e.prevHash !== prevHash)
      return found({
        seq: e.seq,
        problem:
          e.seq === start.seq + 1 && start.seq > 0
            ? `entry ${e.seq} does not link to the last archived entry ${start.seq} (the archive anchor)`
            : `entry ${e.seq} does not link to entry ${e.seq - 1} (an entry was inserted, removed or rewritten before it)`,
      });
    const { hash, ...rest } = e;
    if (entryHash(rest) !== hash)
      return found({ seq: e.seq, problem: `entry ${e.seq} does not match its hash (its content was changed)` });
    prevHash = hash;
    if (head && e.seq === head.seq) hashAtHead = hash;
    expectedSeq++;
    count++;
  }
  // Entries past the head, linked and hashed like the rest, were chained by a running gateway
  // after the head was read: the head must still match the entry at its place.
  const lastSeq = start.seq + count;
  const headHash =
    head && lastSeq > head.seq
      ? head.seq === 0
        ? GENESIS_HASH
        : head.seq === start.seq
          ? start.hash
          : hashAtHead
      : prevHash;
  if (head && (head.seq > lastSeq || head.hash !== headHash)) {
    return found({
      seq: lastSeq + 1,
      problem: `the chain ends at entry ${lastSeq} but its head records entry ${head.seq} (entries were removed from the end)`,
    });
  }
  return { entries: count, lastSeq, lastHash: prevHash };
}
