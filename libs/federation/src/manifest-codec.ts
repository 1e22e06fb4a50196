import { compactVerify, CompactSign, decodeProtectedHeader, type JWK } from 'jose';
import { DomainError } from '@xietong/contracts';
import { importKey, isJoseSigningAlgorithm } from '@xietong/crypto';
import { upgradeManifest, type Manifest } from './manifest';

export const MANIFEST_TYPE = 'xietong-manifest+json';

/** Signs a manifest as a compact JWS (attached JSON payload) with the zone authority's key. */
export async function signManifest(manifest: Manifest, authorityPrivateJwk: JWK): Promise<string> {
  upgradeManifest(structuredClone(manifest));
  const alg = authorityPrivateJwk.alg;
  if (!isJoseSigningAlgorithm(alg) || !authorityPrivateJwk.kid)
    throw new DomainError('CONFIG_INVALID', 'authority key needs kid and alg EdDSA or ES256');
  return new CompactSign(Buffer.from(JSON.stringify(manifest, null, 2), 'utf8'))
    .setProtectedHeader({ alg, kid: authorityPrivateJwk.kid, typ: MANIFEST_TYPE })
    .sign(await importKey(authorityPrivateJwk));
}

/**
 * Verifies a signed manifest against the zone authority's public key (the trust anchor) and
 * its expiry. MANIFEST_INVALID for anything unsigned, tampered or malformed; MANIFEST_EXPIRED
 * once expiresAt has passed.
 */
export async function verifyManifest(jws: string, authorityPublicJwk: JWK, now = new Date()): Promise<Manifest> {
  const manifest = await verifyManifestSignature(jws, authorityPublicJwk);
  if (Date.parse(manifest.expiresAt) <= now.getTime()) {
    throw new DomainError('MANIFEST_EXPIRED', `manifest serial ${manifest.serial} expired at ${manifest.expiresAt}`);
  }
  return manifest;
}

/**
 * Like {@link verifyManifest} but without the expiry check: what a gateway found at boot whose
 * manifest has expired runs on, degraded, until a newer one arrives.
 */
export async function verifyManifestSignature(jws: string, authorityPublicJwk: JWK): Promise<Manifest> {
  const text = jws.trim();
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(text) as Record<string, unknown>;
  } catch {
    throw new DomainError('MANIFEST_INVALID', 'manifest is not a signed JWS (unsigned or corrupt file?)');
  }
  if (header.typ !== MANIFEST_TYPE)
    throw new DomainError('MANIFEST_INVALID', `manifest JWS typ must be ${MANIFEST_TYPE}`);
  if (header.kid !== authorityPublicJwk.kid) {
    throw new DomainError(
      'MANIFEST_INVALID',
      `manifest is signed by key ${String(header.kid)}, the trusted authority key is ${String(authorityPublicJwk.kid)}`,
    );
  }
  let payload: Uint8Array;
  try {
    const alg = String(authorityPublicJwk.alg);
    ({ payload } = await compactVerify(text, await importKey(authorityPublicJwk), { algorithms: [alg] }));
  } catch {
    throw new DomainError(
      'MANIFEST_INVALID',
      'manifest signature does not verify against the zone authority key (tampered?)',
    );
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw new DomainError('MANIFEST_INVALID', 'manifest payload is not JSON');
  }
  return upgradeManifest(decoded);
}
