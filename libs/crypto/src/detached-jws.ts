import { decodeProtectedHeader, errors, FlattenedSign, flattenedVerify, type CryptoKey } from 'jose';
import { DomainError } from '@xietong/contracts';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from './key-material';

/** A private signing key ready to use. */
export interface Signer {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly key: CryptoKey;
}

/**
 * RFC 7515 compact JWS with a detached payload (Appendix F): `<protected>..<signature>`.
 * The payload is the exact record value bytes; the protected header carries alg and kid only.
 */
export async function signDetached(payload: Uint8Array, signer: Signer): Promise<string> {
  const jws = await new FlattenedSign(payload).setProtectedHeader({ alg: signer.alg, kid: signer.kid }).sign(signer.key);
  return `${jws.protected}..${jws.signature}`;
}

export interface DetachedHeader {
  readonly alg: SigningAlgorithm;
  readonly kid: string;
}

/** Reads alg and kid from a detached JWS without verifying it (to pick the key). */
export function readDetachedHeader(jws: string): DetachedHeader {
  const parts = jws.split('.');
  if (parts.length !== 3 || parts[1] !== '') {
    throw new DomainError('SIGNATURE_INVALID', 'signature header is not a detached compact JWS');
  }
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jws) as Record<string, unknown>;
  } catch {
    throw new DomainError('SIGNATURE_INVALID', 'JWS protected header does not decode');
  }
  if (!(SIGNING_ALGORITHMS as readonly unknown[]).includes(header.alg)) {
    throw new DomainError('SIGNATURE_INVALID', `JWS alg ${String(header.alg)} is not accepted (EdDSA, ES256)`);
  }
  if (typeof header.kid !== 'string' || header.kid === '') throw new DomainError('SIGNATURE_INVALID', 'JWS has no kid');
  if (header.b64 !== undefined || header.crit !== undefined) throw new DomainError('SIGNATURE_INVALID', 'JWS b64/crit headers are not accepted');
  return { alg: header.alg as SigningAlgorithm, kid: header.kid };
}

/** Verifies a detached JWS over `payload` with `key`; SIGNATURE_INVALID otherwise. */
export async function verifyDetached(jws: string, payload: Uint8Array, key: CryptoKey, alg: SigningAlgorithm): Promise<void> {
  const [protectedHeader, , signature] = jws.split('.');
  try {
    await flattenedVerify(
      { protected: protectedHeader, payload: Buffer.from(payload).toString('base64url'), signature },
      key,
      { algorithms: [alg] },
    );
  } catch (e) {
    const why = e instanceof errors.JWSSignatureVerificationFailed ? 'signature does not match the record value' : (e as Error).message;
    throw new DomainError('SIGNATURE_INVALID', why);
  }
}
