import type { KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { generateSm2Jwk, importSm2Jwk, type Sm2Key } from './sm2';

/** JWS algorithms a gateway signs and verifies records with (SM2: see sm2.ts). */
export const SIGNING_ALGORITHMS = ['EdDSA', 'ES256', 'SM2'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** Algorithms jose handles: the zone authority's manifests and the API's token issuers. */
export type JoseSigningAlgorithm = Exclude<SigningAlgorithm, 'SM2'>;

/** A key for record signatures and audit checkpoints. */
export type SigningKey = CryptoKey | KeyObject | Sm2Key;

/** JWE key management for complainant personal data (ECDH-ES on X25519, AES key wrap). */
export const ENCRYPTION_ALGORITHM = 'ECDH-ES+A256KW';
export const CONTENT_ENCRYPTION = 'A256GCM';

export interface KeyPairJwk {
  readonly kid: string;
  readonly alg: string;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

export function isSigningAlgorithm(alg: unknown): alg is SigningAlgorithm {
  return typeof alg === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(alg);
}

export function isJoseSigningAlgorithm(alg: unknown): alg is JoseSigningAlgorithm {
  return isSigningAlgorithm(alg) && alg !== 'SM2';
}

/** A new signing key pair as JWKs carrying kid, alg and use. */
export async function generateSigningKey(alg: SigningAlgorithm, kid: string): Promise<KeyPairJwk> {
  if (alg === 'SM2') {
    const { privateJwk, publicJwk } = generateSm2Jwk();
    const meta = { kid, alg, use: 'sig' };
    return { kid, alg, privateJwk: { ...privateJwk, ...meta }, publicJwk: { ...publicJwk, ...meta } };
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    crv: alg === 'EdDSA' ? 'Ed25519' : undefined,
  });
  const meta = { kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  };
}

/** A new X25519 key agreement pair for JWE. */
export async function generateEncryptionKey(kid: string): Promise<KeyPairJwk> {
  const { privateKey, publicKey } = await generateKeyPair(ENCRYPTION_ALGORITHM, { extractable: true, crv: 'X25519' });
  const meta = { kid, alg: ENCRYPTION_ALGORITHM, use: 'enc' };
  return {
    kid,
    alg: ENCRYPTION_ALGORITHM,
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta },
  };
}

/** Imports a record-signing JWK (public or private) for its `alg`, SM2 included. */
export async function importSigningKey(jwk: JWK, alg = jwk.alg): Promise<SigningKey> {
  return alg === 'SM2' ? importSm2Jwk(jwk) : importKey(jwk, alg);
}

/** Imports a JWK for its own `alg` (public or private) through jose (not SM2: see importSigningKey). */
export async function importKey(jwk: JWK, alg = jwk.alg): Promise<CryptoKey> {
  if (!alg) throw new Error(`JWK ${jwk.kid ?? ''} has no alg`);
  return (await importJWK(jwk, alg)) as CryptoKey;
}

/** Public half of a private JWK (drops the private members). */
export function publicPart(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk as JWK & Record<string, unknown>;
  return pub as JWK;
}
