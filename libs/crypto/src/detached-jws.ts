import { KeyObject, sign, verify } from 'node:crypto';
import { decodeProtectedHeader, type CryptoKey } from 'jose';
import { DomainError } from '@xietong/contracts';
import { SIGNING_ALGORITHMS, type SigningAlgorithm, type SigningKey } from './key-material';
import { isSm2Key, sm2Sign, sm2Verify } from './sm2';

/** A private signing key ready to use. */
export interface Signer {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly key: SigningKey;
}

/*
 * The per-record JWS is computed with node:crypto directly: jose runs on WebCrypto, which the
 * benchmark measured at about twice the cost per signature (docs/performance.md). The format is
 * plain RFC 7515 and the unit tests check it against jose in both directions.
 */
const headerCache = new WeakMap<object, string>();

const keyObjects = new WeakMap<object, KeyObject>();

function keyObject(key: CryptoKey | KeyObject): KeyObject {
  if (key instanceof KeyObject) return key;
  let k = keyObjects.get(key);
  if (!k) {
    k = KeyObject.from(key as unknown as Parameters<typeof KeyObject.from>[0]);
    keyObjects.set(key, k);
  }
  return k;
}

const nodeOptions = (alg: SigningAlgorithm, key: KeyObject) =>
  alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
const digest = (alg: SigningAlgorithm) => (alg === 'ES256' ? 'sha256' : null);

function signingInput(protectedHeader: string, payload: Uint8Array): Buffer {
  return Buffer.from(
    `${protectedHeader}.${Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64url')}`,
    'ascii',
  );
}

/**
 * RFC 7515 compact JWS with a detached payload (Appendix F): `<protected>..<signature>`.
 * The payload is the exact record value bytes; the protected header carries alg and kid only.
 */
export async function signDetached(payload: Uint8Array, signer: Signer): Promise<string> {
  let header = headerCache.get(signer);
  if (!header) {
    header = Buffer.from(JSON.stringify({ alg: signer.alg, kid: signer.kid })).toString('base64url');
    headerCache.set(signer, header);
  }
  return `${header}..${signatureOver(signingInput(header, payload), signer).toString('base64url')}`;
}

/** The JWS signature bytes over a signing input (`<protected>.<payload>`). */
export function signatureOver(input: Buffer, signer: Signer): Buffer {
  if (signer.alg === 'SM2') {
    if (!isSm2Key(signer.key)) throw new DomainError('CONFIG_INVALID', `signing key ${signer.kid} is not an SM2 key`);
    return sm2Sign(input, signer.key);
  }
  if (isSm2Key(signer.key))
    throw new DomainError('CONFIG_INVALID', `signing key ${signer.kid} is an SM2 key, alg is ${signer.alg}`);
  return sign(digest(signer.alg), input, nodeOptions(signer.alg, keyObject(signer.key)));
}

/** Whether `signature` is the JWS signature over a signing input with the public `key` (throws on a key of the wrong type). */
export function signatureMatches(input: Buffer, signature: Buffer, key: SigningKey, alg: SigningAlgorithm): boolean {
  if (alg === 'SM2' || isSm2Key(key)) {
    if (alg !== 'SM2' || !isSm2Key(key))
      throw new DomainError('SIGNATURE_INVALID', `key type does not match alg ${alg}`);
    return sm2Verify(input, signature, key);
  }
  const publicKey = keyObject(key);
  const expected = alg === 'ES256' ? 'ec' : 'ed25519';
  if (publicKey.asymmetricKeyType !== expected)
    throw new DomainError('SIGNATURE_INVALID', `key type ${publicKey.asymmetricKeyType} does not match alg ${alg}`);
  return verify(digest(alg), input, nodeOptions(alg, publicKey), signature);
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
    throw new DomainError(
      'SIGNATURE_INVALID',
      `JWS alg ${String(header.alg)} is not accepted (${SIGNING_ALGORITHMS.join(', ')})`,
    );
  }
  if (typeof header.kid !== 'string' || header.kid === '') throw new DomainError('SIGNATURE_INVALID', 'JWS has no kid');
  if (header.b64 !== undefined || header.crit !== undefined)
    throw new DomainError('SIGNATURE_INVALID', 'JWS b64/crit headers are not accepted');
  return { alg: header.alg as SigningAlgorithm, kid: header.kid };
}

/** Verifies a detached JWS over `payload` with `key`; SIGNATURE_INVALID otherwise. */
export async function verifyDetached(
  jws: string,
  payload: Uint8Array,
  key: SigningKey,
  alg: SigningAlgorithm,
): Promise<void> {
  const [protectedHeader, , signature] = jws.split('.');
  let ok: boolean;
  try {
    ok = signatureMatches(signingInput(protectedHeader, payload), Buffer.from(signature, 'base64url'), key, alg);
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw new DomainError('SIGNATURE_INVALID', `signature does not verify: ${(e as Error).message}`);
  }
  if (!ok) throw new DomainError('SIGNATURE_INVALID', 'signature does not match the record value');
}
