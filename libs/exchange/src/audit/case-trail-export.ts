import { decodeProtectedHeader, type JWK } from 'jose';
import { DomainError } from '@xietong/contracts';
import { importSigningKey, readDetachedHeader, verifyDetached } from '@xietong/crypto';
import { Federation, verifyManifest } from '@xietong/federation';
import {
  entryHash,
  type AuditEntry,
  type AuditRepository,
  type ManifestArchiveRepository,
  type MessageRepository,
} from '@xietong/persistence';
import { verifyCheckpoint } from './checkpoint-signature';
import { keyLookup, verifyWitnessed } from './countersignature';

export const EXPORT_FORMAT = 'xietong-audit-export/1';

/** The trail of one case, self-contained: verifiable offline with only the zone authority's key. */
export interface CaseTrail {
  format: typeof EXPORT_FORMAT;
  agency: string;
  caseNo: string;
  exportedAt: string;
  /** The contiguous chain segment from the case's first entry to a signed checkpoint. */
  segment: AuditEntry[];
  checkpoint: { seq: number; hash: string; jws: string };
  /**
   * Partners' countersignatures of that checkpoint (audit witnessing), so the trail holds against
   * both agencies' signatures. Absent or empty when no partner witnessed a checkpoint covering the case.
   */
  witnesses?: { witness: string; witnessedAt: string; countersignature: string }[];
  /** The case's messages with the exact signed bytes (base64). */
  messages: {
    messageId: string;
    direction: string;
    type: string;
    sender: string;
    recipient: string;
    signature: string;
    manifestSerial: number | null;
    record: string;
  }[];
  /** Signed manifests those signatures and the checkpoint need, by serial. */
  manifests: { serial: number; jws: string }[];
}

/**
 * Collects the trail of one case; the chain must have a checkpoint at or after its last entry. It
 * ends at the first such checkpoint a partner countersigned, or else at the first such checkpoint.
 */
export async function exportCaseTrail(
  agency: string,
  caseNo: string,
  deps: { audit: AuditRepository; messages: MessageRepository; archive: ManifestArchiveRepository },
): Promise<CaseTrail> {
  await deps.audit.chainAll();
  const all: AuditEntry[] = [];
  for await (const e of deps.audit.entries()) all.push(e);
  const own = all.filter((e) => e.caseNo === caseNo);
  if (own.length === 0) throw new DomainError('NOT_FOUND', `no audit entries for case ${caseNo}`);
  const covering = (await deps.audit.checkpoints()).filter((c) => c.seq >= own[own.length - 1].seq);
  const witnessed = (await deps.audit.witnessed({ agency })).filter((w) => covering.some((c) => c.seq === w.seq));
  const checkpoint = covering.find((c) => c.seq === witnessed[0]?.seq) ?? covering[0];
  if (!checkpoint)
    throw new DomainError(
      'NOT_FOUND',
      `no signed checkpoint covers the last entry of ${caseNo} yet; sign one (the scheduler does every minute) and export again`,
    );
  const segment = all.filter((e) => e.seq >= own[0].seq && e.seq <= checkpoint.seq);
  const messages = [];
  for await (const m of deps.messages.signedRecords(caseNo)) {
    if (!m.value) continue;
    messages.push({
      messageId: m.messageId,
      direction: m.direction,
      type: m.type,
      sender: m.sender,
      recipient: m.recipient,
      signature: m.signature,
      manifestSerial: m.manifestSerial,
      record: m.value.toString('base64'),
    });
  }
  const serials = new Set(messages.map((m) => m.manifestSerial).filter((s): s is number => s !== null));
  const archived = await deps.archive.all();
  const latest = archived[archived.length - 1];
  if (latest) serials.add(latest.serial);
  return {
    format: EXPORT_FORMAT,
    agency,
    caseNo,
    exportedAt: new Date().toISOString(),
    segment,
    checkpoint: { seq: checkpoint.seq, hash: checkpoint.hash, jws: checkpoint.jws },
    witnesses: witnessed
      .filter((w) => w.seq === checkpoint.seq && w.checkpoint === checkpoint.jws)
      .map((w) => ({
        witness: w.witness,
        witnessedAt: w.witnessedAt.toISOString(),
        countersignature: w.countersignature,
      })),
    messages,
    manifests: archived.filter((a) => serials.has(a.serial)),
  };
}

/**
 * Verifies an exported trail without the gateway: manifests against the authority key, the chain
 * segment up to the signed checkpoint, the checkpoint signature, and every message signature.
 * Returns the first problem, or undefined.
 */
export async function verifyCaseTrail(trail: CaseTrail, authority: JWK): Promise<string | undefined> {
  if (trail.format !== EXPORT_FORMAT) return `not a ${EXPORT_FORMAT} file`;
  const manifests = new Map<number, Federation>();
  for (const m of trail.manifests) {
    try {
      manifests.set(m.serial, new Federation(await verifyManifest(m.jws, authority, new Date(0))));
    } catch (e) {
      return `manifest serial ${m.serial}: ${(e as Error).message}`;
    }
  }
  const newest = [...manifests.values()].sort((a, b) => b.serial - a.serial)[0];
  if (!newest) return 'the file carries no manifest signed by the zone authority';
  let prev = trail.segment[0]?.prevHash;
  for (const [i, e] of trail.segment.entries()) {
    if (i > 0 && e.seq !== trail.segment[i - 1].seq + 1)
      return `entry ${trail.segment[i - 1].seq + 1} is missing from the segment`;
    if (e.prevHash !== prev) return `entry ${e.seq} does not link to the entry before it`;
    const { hash, ...rest } = e;
    if (entryHash(rest) !== hash) return `entry ${e.seq} does not match its hash (its content was changed)`;
    prev = hash;
  }
  const last = trail.segment[trail.segment.length - 1];
  if (!last || last.seq !== trail.checkpoint.seq || last.hash !== trail.checkpoint.hash)
    return `the segment does not end at the signed checkpoint ${trail.checkpoint.seq}`;
  const kid = String(decodeProtectedHeader(trail.checkpoint.jws).kid);
  const key = [...manifests.values()]
    .flatMap((f) => f.member(trail.agency)?.signingKeys ?? [])
    .find((k) => k.kid === kid);
  if (!key) return `checkpoint key ${kid} of ${trail.agency} is in none of the manifests`;
  let signedAt: Date;
  try {
    const claim = await verifyCheckpoint(trail.checkpoint.jws, await importSigningKey(key.publicJwk, key.alg));
    if (claim.seq !== trail.checkpoint.seq || claim.hash !== trail.checkpoint.hash || claim.agency !== trail.agency)
      return 'the checkpoint does not match its signed content';
    signedAt = new Date(claim.signedAt);
  } catch (e) {
    return (e as Error).message;
  }
  // A partner's countersignature must be the partner's, over this very checkpoint.
  const keys = keyLookup(newest, manifests.values());
  for (const w of trail.witnesses ?? []) {
    try {
      await verifyWitnessed(
        {
          agency: trail.agency,
          seq: trail.checkpoint.seq,
          hash: trail.checkpoint.hash,
          signedAt,
          checkpoint: trail.checkpoint.jws,
          witness: String(w.witness),
          witnessedAt: new Date(w.witnessedAt),
          countersignature: String(w.countersignature),
        },
        keys,
      );
    } catch (e) {
      return `the countersignature of checkpoint ${trail.checkpoint.seq} by ${String(w.witness)} does not verify: ${(e as Error).message}`;
    }
  }
  for (const m of trail.messages) {
    const fed = (m.manifestSerial !== null && manifests.get(m.manifestSerial)) || newest;
    const header = readDetachedHeader(m.signature);
    const k = fed.member(m.sender)?.signingKeys.find((x) => x.kid === header.kid);
    if (!k) return `message ${m.messageId}: key ${header.kid} of ${m.sender} is not in manifest serial ${fed.serial}`;
    try {
      await verifyDetached(
        m.signature,
        Buffer.from(m.record, 'base64'),
        await importSigningKey(k.publicJwk, k.alg),
        header.alg,
      );
    } catch {
      return `message ${m.messageId}: signature does not verify over its record bytes`;
    }
    if (!trail.segment.some((e) => e.messageId === m.messageId))
      return `message ${m.messageId} has no entry in the audit segment`;
  }
  return undefined;
}
