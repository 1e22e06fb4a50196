import { compactVerify, CompactSign, decodeProtectedHeader, type CryptoKey } from 'jose';
import { DomainError } from '@xietong/contracts';
import { isSm2Key, signatureMatches, signatureOver, type Signer, type SigningKey } from '@xietong/crypto';

export const CHECKPOINT_TYPE = 'xietong-audit-checkpoint+json';

export interface CheckpointClaim {
  agency: string;
  seq: number;
  hash: string;
  signedAt: string;
}

/** Signs the chain head with the gateway's key: a compact JWS anyone can check with the manifest. */
export function signCheckpoint(claim: CheckpointClaim, signer: Signer): Promise<string> {
  return signClaim(claim, signer, CHECKPOINT_TYPE);
}

export function verifyCheckpoint(jws: string, key: SigningKey): Promise<CheckpointClaim> {
  return verifyClaim<CheckpointClaim>(jws, key, CHECKPOINT_TYPE, 'audit checkpoint');
}

/**
 * A compact JWS over a JSON claim, its `typ` naming what the claim is. jose for EdDSA and ES256;
 * SM2 (which jose does not know) through the same JWS construction here.
 */
export async function signClaim(claim: object, signer: Signer, typ: string): Promise<string> {
  const payload = Buffer.from(JSON.stringify(claim));
  if (signer.alg !== 'SM2')
    return new CompactSign(payload)
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ })
      .sign(signer.key as CryptoKey);
  const input = `${Buffer.from(JSON.stringify({ alg: signer.alg, kid: signer.kid, typ })).toString('base64url')}.${payload.toString('base64url')}`;
  return `${input}.${signatureOver(Buffer.from(input, 'ascii'), signer).toString('base64url')}`;
}

/** Verifies a {@link signClaim} JWS of the given `typ` with `key`; SIGNATURE_INVALID otherwise. */
export async function verifyClaim<T>(jws: string, key: SigningKey, typ: string, what: string): Promise<T> {
  try {
    if (!isSm2Key(key)) {
      const { payload, protectedHeader } = await compactVerify(jws, key as CryptoKey);
      if (protectedHeader.typ !== typ) throw new Error('wrong typ');
      return JSON.parse(Buffer.from(payload).toString('utf8')) as T;
    }
    const header = decodeProtectedHeader(jws);
    const [h, p, sig] = jws.split('.');
    if (header.alg !== 'SM2' || header.typ !== typ) throw new Error('wrong alg or typ');
    if (!signatureMatches(Buffer.from(`${h}.${p}`, 'ascii'), Buffer.from(sig ?? '', 'base64url'), key, 'SM2'))
      throw new Error('signature mismatch');
    return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as T;
  } catch (e) {
    throw new DomainError('SIGNATURE_INVALID', `${what} signature does not verify: ${(e as Error).message}`);
  }
}
