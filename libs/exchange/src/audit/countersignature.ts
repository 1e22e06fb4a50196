import { createHash } from 'node:crypto';
import { decodeProtectedHeader, type JWK } from 'jose';
import { DomainError } from '@xietong/contracts';
import { importSigningKey, type Signer, type SigningAlgorithm } from '@xietong/crypto';
import type { Federation } from '@xietong/federation';
import type { WitnessedCheckpoint } from '@xietong/persistence';
import { signClaim, verifyCheckpoint, verifyClaim, type CheckpointClaim } from './checkpoint-signature';
import type { ChainFinding } from './chain-verifier';

export const COUNTERSIGNATURE_TYPE = 'xietong-audit-countersignature+json';
export const WITNESS_EXPORT_FORMAT = 'xietong-audit-witnesses/1';

/** What a witness signs: the checkpoint's content, who witnessed it and when, and the checkpoint JWS's digest. */
export interface CountersignatureClaim extends CheckpointClaim {
  witness: string;
  witnessedAt: string;
  /** SHA-256 (base64url) of the checkpoint JWS as received. */
  checkpoint: string;
}

/** The file a partner's auditor exports (`xietong audit witnesses export`): checkpoints it witnessed. */
export interface WitnessExport {
  format: typeof WITNESS_EXPORT_FORMAT;
  witness: string;
  exportedAt: string;
  checkpoints: {
    agency: string;
    seq: number;
    hash: string;
    signedAt: string;
    checkpoint: string;
    witnessedAt: string;
    countersignature: string;
  }[];
}

/** Finds a member's public signing key by kid in the manifests an auditor trusts (current, then archived). */
export type KeyLookup = (member: string, kid: string) => { publicJwk: JWK; alg: SigningAlgorithm } | undefined;

export function keyLookup(federation: Federation, archived: Iterable<Federation> = []): KeyLookup {
  const all = [federation, ...archived];
  return (member, kid) => {
    for (const f of all) {
      const key = f.member(member)?.signingKeys.find((k) => k.kid === kid);
      if (key) return key;
    }
    return undefined;
  };
}

async function verifiedBy<T>(
  jws: string,
  member: string,
  keys: KeyLookup,
  verify: (jws: string, key: Awaited<ReturnType<typeof importSigningKey>>) => Promise<T>,
): Promise<T> {
  const kid = String(decodeProtectedHeader(jws).kid);
  const entry = keys(member, kid);
  if (!entry) throw new DomainError('UNKNOWN_KEY', `key ${kid} is not a signing key of ${member} in the manifest`);
  return verify(jws, await importSigningKey(entry.publicJwk, entry.alg));
}

const digest = (jws: string) => createHash('sha256').update(jws, 'ascii').digest('base64url');

/**
 * The witness's side: checks a partner's signed checkpoint against the partner's key in the
 * manifest and countersigns it with this gateway's key.
 */
export async function witnessCheckpoint(
  checkpoint: string,
  witness: Signer & { agency: string },
  keys: KeyLookup,
  now = new Date(),
): Promise<WitnessedCheckpoint> {
  let agency: string;
  try {
    agency = String(JSON.parse(Buffer.from(checkpoint.split('.')[1] ?? '', 'base64url').toString('utf8')).agency);
  } catch {
    throw new DomainError('MALFORMED', 'the checkpoint is not a compact JWS over a JSON claim');
  }
  const claim = await verifiedBy(checkpoint, agency, keys, verifyCheckpoint);
  if (claim.agency === witness.agency)
    throw new DomainError('MALFORMED', 'a gateway does not witness its own checkpoint');
  const counter: CountersignatureClaim = {
    ...claim,
    witness: witness.agency,
    witnessedAt: now.toISOString(),
    checkpoint: digest(checkpoint),
  };
  return {
    agency: claim.agency,
    seq: claim.seq,
    hash: claim.hash,
    signedAt: new Date(claim.signedAt),
    checkpoint,
    witness: witness.agency,
    witnessedAt: now,
    countersignature: await signClaim(counter, witness, COUNTERSIGNATURE_TYPE),
  };
}

/** Checks both signatures of a witnessed checkpoint and that they speak of the same (agency, seq, hash). */
export async function verifyWitnessed(w: WitnessedCheckpoint, keys: KeyLookup): Promise<CountersignatureClaim> {
  const claim = await verifiedBy(w.checkpoint, w.agency, keys, verifyCheckpoint);
  const counter = await verifiedBy(w.countersignature, w.witness, keys, (jws, key) =>
    verifyClaim<CountersignatureClaim>(jws, key, COUNTERSIGNATURE_TYPE, 'audit countersignature'),
  );
  if (
    claim.agency !== w.agency ||
    claim.seq !== w.seq ||
    claim.hash !== w.hash ||
    counter.agency !== w.agency ||
    counter.seq !== w.seq ||
    counter.hash !== w.hash ||
    counter.witness !== w.witness ||
    counter.checkpoint !== digest(w.checkpoint)
  )
    throw new DomainError('SIGNATURE_INVALID', 'the countersignature does not cover this checkpoint');
  return counter;
}

/**
 * Holds a local chain to the checkpoints partners witnessed: each must verify (the agency's
 * signature and the witness's), and the chain must still have that entry with that hash. An
 * insider who rewrote or cut the chain and re-signed it with the gateway's own key fails here.
 */
export async function checkWitnesses(
  agency: string,
  chain: { entries: number; hashes: Map<number, string> },
  witnessed: WitnessedCheckpoint[],
  keys: KeyLookup,
): Promise<{ checked: number; findings: ChainFinding[] }> {
  const findings: ChainFinding[] = [];
  let checked = 0;
  for (const w of witnessed) {
    if (w.agency !== agency) continue;
    try {
      await verifyWitnessed(w, keys);
    } catch (e) {
      findings.push({
        seq: w.seq,
        problem: `checkpoint ${w.seq} witnessed by ${w.witness} does not verify: ${(e as Error).message}`,
      });
      continue;
    }
    checked++;
    if (w.seq > chain.entries)
      findings.push({
        seq: w.seq,
        problem: `the chain ends at entry ${chain.entries} but ${w.witness} witnessed checkpoint ${w.seq} (entries were removed)`,
      });
    else if (chain.hashes.get(w.seq) !== w.hash)
      findings.push({
        seq: w.seq,
        problem: `entry ${w.seq} differs from the checkpoint ${w.witness} witnessed (the chain was rewritten up to here)`,
      });
  }
  return { checked, findings };
}

export function witnessExport(witness: string, rows: WitnessedCheckpoint[], now = new Date()): WitnessExport {
  return {
    format: WITNESS_EXPORT_FORMAT,
    witness,
    exportedAt: now.toISOString(),
    checkpoints: rows
      .filter((r) => r.witness === witness)
      .map((r) => ({
        agency: r.agency,
        seq: r.seq,
        hash: r.hash,
        signedAt: r.signedAt.toISOString(),
        checkpoint: r.checkpoint,
        witnessedAt: r.witnessedAt.toISOString(),
        countersignature: r.countersignature,
      })),
  };
}

/** Reads a witness export file; refuses anything else with a clear error. */
export function parseWitnessExport(text: string, source: string): WitnessedCheckpoint[] {
  let doc: WitnessExport;
  try {
    doc = JSON.parse(text) as WitnessExport;
  } catch (e) {
    throw new DomainError('MALFORMED', `${source} is not JSON: ${(e as Error).message}`);
  }
  if (doc?.format !== WITNESS_EXPORT_FORMAT || !Array.isArray(doc.checkpoints))
    throw new DomainError('MALFORMED', `${source} is not a witness export (format ${WITNESS_EXPORT_FORMAT})`);
  return doc.checkpoints.map((c) => ({
    agency: String(c.agency),
    seq: Number(c.seq),
    hash: String(c.hash),
    signedAt: new Date(c.signedAt),
    checkpoint: String(c.checkpoint),
    witness: doc.witness,
    witnessedAt: new Date(c.witnessedAt),
    countersignature: String(c.countersignature),
  }));
}
