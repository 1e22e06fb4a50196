import { decodeProtectedHeader } from 'jose';
import { importKey } from '@xietong/crypto';
import type { Federation } from '@xietong/federation';
import type { AuditEntry, AuditRepository } from '@xietong/persistence';
import { verifyChain, type ChainFinding } from './audit-chain-verifier';
import { verifyCheckpoint } from './audit-checkpoint';

export interface AuditReport {
  ok: boolean;
  entries: number;
  checkpoints: number;
  head: { seq: number; hash: string };
  finding?: ChainFinding;
}

/**
 * Verifies a gateway's audit trail: the hash chain entry by entry, and every signed checkpoint
 * against the chain and against the agency's key in the federation manifest.
 */
export async function verifyAuditTrail(agency: string, audit: AuditRepository, federation: Federation): Promise<AuditReport> {
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
  const report = (finding?: ChainFinding): AuditReport => ({ ok: !finding, entries: chain.entries, checkpoints: checkpoints.length, head, finding });
  if (chain.finding) return report(chain.finding);
  const keys = federation.member(agency)?.signingKeys ?? [];
  for (const c of checkpoints) {
    const kid = String(decodeProtectedHeader(c.jws).kid);
    const entry = keys.find((k) => k.kid === kid);
    if (!entry) return report({ seq: c.seq, problem: `checkpoint at entry ${c.seq} is signed by key ${kid}, which the manifest does not list for ${agency}` });
    let claim;
    try {
      claim = await verifyCheckpoint(c.jws, await importKey(entry.publicJwk, entry.alg));
    } catch (e) {
      return report({ seq: c.seq, problem: `checkpoint at entry ${c.seq}: ${(e as Error).message}` });
    }
    if (claim.seq !== c.seq || claim.hash !== c.hash || claim.agency !== agency) return report({ seq: c.seq, problem: `checkpoint at entry ${c.seq} does not match its signed content` });
    if (hashes.get(c.seq) !== c.hash) return report({ seq: c.seq, problem: `entry ${c.seq} differs from the signed checkpoint (the chain was rewritten up to here)` });
  }
  return report();
}
