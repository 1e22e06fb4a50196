import { decodeProtectedHeader } from 'jose';
import { ERASED_PERSONAL_DATA } from '@xietong/contracts';
import { importSigningKey } from '@xietong/crypto';
import type { AuditEntry, SignedRecordRow } from '@xietong/persistence';
import { verifyClaim } from './checkpoint-signature';
import type { KeyLookup } from './countersignature';
import { ERASURE_TYPE, PERSONAL_DATA_ERASED, storedColumnsDigest, type ErasureClaim } from '../retention/erasure-claim';

/** An erasure entry of the chain, by the message it names. */
export interface ErasureEntry {
  seq: number;
  jws: string;
}

/** Remembers `e` if it is an erasure entry (the chain walk calls this for every entry). */
export function noteErasure(e: AuditEntry, into: Map<string, ErasureEntry>): void {
  if (e.kind !== PERSONAL_DATA_ERASED || !e.messageId) return;
  try {
    const jws = (JSON.parse(e.detail) as { jws?: unknown }).jws;
    if (typeof jws === 'string') into.set(e.messageId, { seq: e.seq, jws });
  } catch {
    // A detail that does not parse covers nothing: the row it names then fails as tampered.
  }
}

/**
 * Why a stored message without its record bytes is not an erasure the chain accounts for, or
 * undefined when it is: the entry's JWS verifies with the agency's key, names this message and
 * the signature still stored, every erased field holds the marker, and the row's columns are
 * exactly those the entry recorded (anything edited or removed since is still tampering).
 */
export async function erasureProblem(
  m: SignedRecordRow,
  entry: ErasureEntry,
  agency: string,
  keys: KeyLookup,
): Promise<string | undefined> {
  let claim: ErasureClaim;
  try {
    const kid = String(decodeProtectedHeader(entry.jws).kid);
    const key = keys(agency, kid);
    if (!key)
      return `erasure entry ${entry.seq} is signed by key ${kid}, which the manifest does not list for ${agency}`;
    claim = await verifyClaim<ErasureClaim>(
      entry.jws,
      await importSigningKey(key.publicJwk, key.alg),
      ERASURE_TYPE,
      'erasure entry',
    );
  } catch (e) {
    return `erasure entry ${entry.seq}: ${(e as Error).message}`;
  }
  if (claim.agency !== agency || claim.messageId !== m.messageId)
    return `erasure entry ${entry.seq} does not name this message of ${agency}`;
  if (claim.signature !== (m.signature || null))
    return `the stored signature is not the one erasure entry ${entry.seq} recorded`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(m.derived.body) as Record<string, unknown>;
  } catch {
    return 'the stored body of an erased message is not a JSON document';
  }
  for (const field of Object.keys(claim.removed))
    if (body[field] !== ERASED_PERSONAL_DATA) return `erased field ${field} does not hold the erased marker`;
  if (storedColumnsDigest(m) !== claim.columns)
    return `its stored columns differ from what erasure entry ${entry.seq} recorded (changed after the erasure)`;
  return undefined;
}
