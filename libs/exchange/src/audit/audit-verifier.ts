import { decodeProtectedHeader } from 'jose';
import { importSigningKey, readDetachedHeader, verifyDetached } from '@xietong/crypto';
import type { Federation } from '@xietong/federation';
import type { AuditEntry, AuditRepository, MessageRepository } from '@xietong/persistence';
import { verifyChain, type ChainFinding } from './audit-chain-verifier';
import { verifyCheckpoint } from './audit-checkpoint';

export interface AuditReport {
  ok: boolean;
  entries: number;
  checkpoints: number;
  /** Stored message signatures re-verified over their exact record bytes. */
  signatures: number;
  /** Events written but not chained yet (not covered by this verification). */
  pending: number;
  head: { seq: number; hash: string };
  finding?: ChainFinding;
}

/**
 * Verifies a gateway's audit trail: the hash chain entry by entry, and every signed checkpoint
 * against the chain and against the agency's key in the federation manifest.
 */
export async function verifyAuditTrail(
  agency: string,
  audit: AuditRepository,
  federation: Federation,
  stored?: { messages: MessageRepository; manifests: Map<number, Federation> },
): Promise<AuditReport> {
  const head = await audit.head();
  const hashes = new Map<number, string>();
  async function* remember(): AsyncGenerator<AuditEntry> {
    for await (const e of audit.entries()) {
      hashes.set(e.seq, e.hash);
      yield e;
    }
  }
  const chain = await verifyChain(remember(), head);
  const checkpoints = await audit.checkpoints();
  let signatures = 0;
  const pending = await audit.pendingCount();
  const report = (finding?: ChainFinding): AuditReport => ({
    ok: !finding,
    entries: chain.entries,
    checkpoints: checkpoints.length,
    signatures,
    pending,
    head,
    finding,
  });
  if (chain.finding) return report(chain.finding);
  const keys = federation.member(agency)?.signingKeys ?? [];
  for (const c of checkpoints) {
    const kid = String(decodeProtectedHeader(c.jws).kid);
    const entry = keys.find((k) => k.kid === kid);
    if (!entry)
      return report({
        seq: c.seq,
        problem: `checkpoint at entry ${c.seq} is signed by key ${kid}, which the manifest does not list for ${agency}`,
      });
    let claim;
    try {
      claim = await verifyCheckpoint(c.jws, await importSigningKey(entry.publicJwk, entry.alg));
    } catch (e) {
      return report({ seq: c.seq, problem: `checkpoint at entry ${c.seq}: ${(e as Error).message}` });
    }
    if (claim.seq !== c.seq || claim.hash !== c.hash || claim.agency !== agency)
      return report({ seq: c.seq, problem: `checkpoint at entry ${c.seq} does not match its signed content` });
    if (hashes.get(c.seq) !== c.hash)
      return report({
        seq: c.seq,
        problem: `entry ${c.seq} differs from the signed checkpoint (the chain was rewritten up to here)`,
      });
  }
  if (stored) {
    for await (const m of stored.messages.signedRecords()) {
      // The sender's key as listed in the manifest that was in force when the message was stored.
      const fed = (m.manifestSerial !== null && stored.manifests.get(m.manifestSerial)) || federation;
      const problem = await signatureProblem(m, fed);
      if (problem) return report({ seq: 0, messageId: m.messageId, problem: `message ${m.messageId}: ${problem}` });
      signatures++;
    }
  }
  return report();
}

async function signatureProblem(
  m: { sender: string; signature: string; value: Buffer | null },
  federation: Federation,
): Promise<string | undefined> {
  if (!m.value) return 'the signed record bytes are not kept, the signature cannot be checked';
  try {
    const header = readDetachedHeader(m.signature);
    const key = federation.member(m.sender)?.signingKeys.find((k) => k.kid === header.kid);
    if (!key) return `key ${header.kid} of ${m.sender} is not in manifest serial ${federation.serial}`;
    await verifyDetached(m.signature, m.value, await importSigningKey(key.publicJwk, key.alg), header.alg);
    return undefined;
  } catch (e) {
    return `stored signature does not verify (${(e as Error).message})`;
  }
}
