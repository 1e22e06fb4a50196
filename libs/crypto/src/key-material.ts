import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

/** JWS algorithms a gateway signs and verifies with. */
export const SIGNING_ALGORITHMS = ['EdDSA', 'ES256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

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

/** A new signing key pair as JWKs carrying kid, alg and use. */
export async function generateSigningKey(alg: SigningAlgorithm, kid: string): Promise<KeyPairJwk> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, crv: alg === 'EdDSA' ? 'Ed25519' : undefined });
  const meta = { kid, alg, use: 'sig' };
  return { kid, alg, privateJwk: { ...(await exportJWK(privateKey)), ...meta }, publicJwk: { ...(await exportJWK(publicKey)), ...meta } };
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

/** Imports a JWK for its own `alg` (public or private). */
export async function importKey(jwk: JWK, alg = jwk.alg): Promise<CryptoKey> {
  if (!alg) throw new Error(`JWK ${jwk.kid ?? ''} has no alg`);
  return (await importJWK(jwk, alg)) as CryptoKey;
}

/** Public half of a private JWK (drops the private members). */
export function publicPart(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk as JWK & Record<string, unknown>;
  return pub as JWK;
}
