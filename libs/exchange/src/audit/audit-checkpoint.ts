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

/**
 * Signs the chain head with the gateway's key: a compact JWS anyone can check with the manifest.
 * jose for EdDSA and ES256; SM2 (which jose does not know) through the same JWS construction here.
 */
export async function signCheckpoint(claim: CheckpointClaim, signer: Signer): Promise<string> {
  const payload = Buffer.from(JSON.stringify(claim));
  if (signer.alg !== 'SM2')
    return new CompactSign(payload)
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: CHECKPOINT_TYPE })
      .sign(signer.key as CryptoKey);
  const input = `${Buffer.from(JSON.stringify({ alg: signer.alg, kid: signer.kid, typ: CHECKPOINT_TYPE })).toString('base64url')}.${payload.toString('base64url')}`;
  return `${input}.${signatureOver(Buffer.from(input, 'ascii'), signer).toString('base64url')}`;
}

export async function verifyCheckpoint(jws: string, key: SigningKey): Promise<CheckpointClaim> {
  try {
    if (!isSm2Key(key)) {
      const { payload, protectedHeader } = await compactVerify(jws, key as CryptoKey);
      if (protectedHeader.typ !== CHECKPOINT_TYPE) throw new Error('wrong typ');
      return JSON.parse(Buffer.from(payload).toString('utf8')) as CheckpointClaim;
    }
    const header = decodeProtectedHeader(jws);
    const [h, p, sig] = jws.split('.');
    if (header.alg !== 'SM2' || header.typ !== CHECKPOINT_TYPE) throw new Error('wrong alg or typ');
    if (!signatureMatches(Buffer.from(`${h}.${p}`, 'ascii'), Buffer.from(sig ?? '', 'base64url'), key, 'SM2'))
      throw new Error('signature mismatch');
    return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as CheckpointClaim;
  } catch (e) {
    throw new DomainError('SIGNATURE_INVALID', `audit checkpoint signature does not verify: ${(e as Error).message}`);
  }
}
