import { decodeProtectedHeader } from 'jose';
import { importSigningKey, readDetachedHeader, verifyDetached } from '@xietong/crypto';
import type { Federation } from '@xietong/federation';
import type { AuditEntry, AuditRepository, MessageRepository, WitnessedCheckpoint } from '@xietong/persistence';
import { verifyChain, type ChainFinding } from './chain-verifier';
import { verifyCheckpoint } from './checkpoint-signature';
import { storedColumnDifferences } from './stored-columns';
import { checkWitnesses, keyLookup } from './countersignature';
import { erasureProblem, noteErasure, type ErasureEntry } from './erasure-check';
import type { WireCodec } from '../wire-codec';

export interface AuditReport {
  ok: boolean;
  entries: number;
  checkpoints: number;
  /** Stored message signatures re-verified over their exact record bytes. */
  signatures: number;
  /** Stored messages whose derived columns (envelope fields, body) were compared with the record. */
  columns: number;
  /** Stored messages whose personal data was erased, each covered by its signed erasure entry. */
  erased: number;
  /** Events written but not chained yet (not covered by this verification). */
  pending: number;
  /** Chained entries after the last signed checkpoint: the window that can be cut or rewritten unseen. */
  unsigned: number;
  /** Checkpoints of this chain that partners witnessed and that were checked against it. */
  witnessed: number;
  head: { seq: number; hash: string };
  /** Where the chain in the database starts when an archived prefix was pruned (the last archive's anchor). */
  anchor?: { seq: number; hash: string; archive: number };
  /** The first problem found. */
  finding?: ChainFinding;
  /** Every problem found in stored messages (each one message and one field), after `finding`. */
  findings: ChainFinding[];
}

/**
 * Verifies a gateway's audit trail: the hash chain entry by entry, and every signed checkpoint
 * against the chain and against the agency's key in the federation manifest.
 */
export async function verifyAuditTrail(
  agency: string,
  audit: AuditRepository,
  federation: Federation,
  stored?: { messages: MessageRepository; manifests: Map<number, Federation>; codec?: WireCodec },
  witnesses?: WitnessedCheckpoint[],
): Promise<AuditReport> {
  const head = await audit.head();
  const hashes = new Map<number, string>();
  const erasures = new Map<string, ErasureEntry>();
  async function* remember(): AsyncGenerator<AuditEntry> {
    for await (const e of audit.entries()) {
      hashes.set(e.seq, e.hash);
      noteErasure(e, erasures);
      yield e;
    }
  }
  const anchor = await audit.anchor();
  const chain = await verifyChain(remember(), head, anchor);
  const checkpoints = await audit.checkpoints();
  let signatures = 0;
  let columns = 0;
  let erased = 0;
  let witnessed = 0;
  const pending = await audit.pendingCount();
  // Entries up to the anchor are in a signed (and timestamped) archive.
  const lastSigned = checkpoints.reduce((max, c) => Math.max(max, c.seq), anchor?.seq ?? 0);
  const report = (finding?: ChainFinding, findings: ChainFinding[] = finding ? [finding] : []): AuditReport => ({
    ok: !finding,
    entries: chain.entries,
    checkpoints: checkpoints.length,
    signatures,
    columns,
    erased,
    pending,
    unsigned: Math.max(0, chain.lastSeq - lastSigned),
    witnessed,
    head,
    anchor,
    finding,
    findings,
  });
  if (chain.finding) return report(chain.finding);
  if (witnesses) {
    // Partners' copies first: a chain rewritten with the gateway's own key still passes its own checkpoints.
    const keys = keyLookup(federation, stored?.manifests.values());
    const w = await checkWitnesses(agency, { entries: chain.lastSeq, hashes }, witnesses, keys);
    witnessed = w.checked;
    if (w.findings.length) return report(w.findings[0], w.findings);
  }
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
    if (c.seq > chain.lastSeq)
      return report({
        seq: c.seq,
        problem: `the chain ends at entry ${chain.lastSeq} but checkpoint ${c.seq} was signed over a longer one (entries were removed from the end)`,
      });
    if (hashes.get(c.seq) !== c.hash)
      return report({
        seq: c.seq,
        problem: `entry ${c.seq} differs from the signed checkpoint (the chain was rewritten up to here)`,
      });
  }
  const findings: ChainFinding[] = [];
  if (stored) {
    const erasureKeys = keyLookup(federation, stored.manifests.values());
    for await (const m of stored.messages.signedRecords()) {
      const erasure = m.value ? undefined : erasures.get(m.messageId);
      if (erasure) {
        // No record bytes: acceptable exactly as the signed erasure entry describes the row.
        const problem = await erasureProblem(m, erasure, agency, erasureKeys);
        if (problem) findings.push({ seq: 0, messageId: m.messageId, problem: `message ${m.messageId}: ${problem}` });
        else erased++;
        continue;
      }
      // The sender's key as listed in the manifest that was in force when the message was stored.
      const fed = (m.manifestSerial !== null && stored.manifests.get(m.manifestSerial)) || federation;
      // The signer is the sender the record names; the stored sender column is checked against it below.
      const problem = await signatureProblem({ ...m, sender: signedSender(m, stored.codec) ?? m.sender }, fed);
      if (problem) {
        findings.push({ seq: 0, messageId: m.messageId, problem: `message ${m.messageId}: ${problem}` });
        continue;
      }
      signatures++;
      if (!stored.codec || !m.value) continue;
      const differences = storedColumnDifferences(m, stored.codec, fed);
      for (const d of differences)
        findings.push({
          seq: 0,
          messageId: m.messageId,
          field: d.field,
          problem: `message ${m.messageId}: stored ${d.field} ${d.stored} differs from the signed record's ${d.signed}`,
        });
      columns++;
    }
  }
  return report(findings[0], findings);
}

function signedSender(m: { value: Buffer | null }, codec?: WireCodec): string | undefined {
  if (!codec || !m.value) return undefined;
  try {
    return codec.envelope.decode(m.value).sender;
  } catch {
    return undefined;
  }
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
