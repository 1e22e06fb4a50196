import { compactVerify, CompactSign, type CryptoKey } from 'jose';
import { DomainError } from '@xietong/contracts';
import type { Signer } from '@xietong/crypto';

export const CHECKPOINT_TYPE = 'xietong-audit-checkpoint+json';

export interface CheckpointClaim {
  agency: string;
  seq: number;
  hash: string;
  signedAt: string;
}

/** Signs the chain head with the gateway's key: a compact JWS anyone can check with the manifest. */
export async function signCheckpoint(claim: CheckpointClaim, signer: Signer): Promise<string> {
  return new CompactSign(Buffer.from(JSON.stringify(claim))).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: CHECKPOINT_TYPE }).sign(signer.key as CryptoKey);
}

export async function verifyCheckpoint(jws: string, key: CryptoKey): Promise<CheckpointClaim> {
  try {
    const { payload, protectedHeader } = await compactVerify(jws, key);
    if (protectedHeader.typ !== CHECKPOINT_TYPE) throw new Error('wrong typ');
    return JSON.parse(Buffer.from(payload).toString('utf8')) as CheckpointClaim;
  } catch (e) {
    throw new DomainError('SIGNATURE_INVALID', `audit checkpoint signature does not verify: ${(e as Error).message}`);
  }
}
