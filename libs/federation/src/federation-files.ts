import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { requireOwnerOnly } from '@xietong/config';
import type { SchemaCatalog } from '@xietong/contracts';
import { generateEncryptionKey, generateSigningKey, publicPart, type SigningAlgorithm } from '@xietong/crypto';
import { buildManifest, type MemberKeys } from './manifest-builder';
import type { ManifestAgreement, MemberCapabilities } from './manifest';
import { signManifest } from './manifest-codec';
import type { ZoneData } from './zone-data';

/** File layout of a federation directory (what `xietong federation init` writes). */
export const federationFiles = (dir: string) => ({
  authorityPrivate: join(dir, 'authority.private.jwk.json'),
  authorityPublic: join(dir, 'authority.public.jwk.json'),
  manifest: join(dir, 'manifest.jws'),
  signingKey: (id: string) => join(dir, 'keys', `${id}.signing.private.jwk.json`),
  encryptionKey: (id: string) => join(dir, 'keys', `${id}.encryption.private.jwk.json`),
  /** Development token issuer of each agency's HTTP API (production uses the agency's IdP). */
  authIssuerKey: (id: string) => join(dir, 'auth', `${id}.issuer.private.jwk.json`),
  authJwks: (id: string) => join(dir, 'auth', `${id}.jwks.json`),
});

export interface InitFederationOptions {
  dir: string;
  members: string[];
  zones: ZoneData;
  catalog: SchemaCatalog;
  alg?: SigningAlgorithm;
  validDays?: number;
  agreements?: ManifestAgreement[];
  /** Federation id (namespace of topics and consumer groups). */
  federation?: string;
  /** @deprecated the same as `federation`. */
  topicPrefix?: string;
  now?: Date;
  /** What each member reads (manifest `accepts`); default: the whole catalog. */
  capabilities?: Record<string, MemberCapabilities>;
}

/**
 * Creates a zone authority key, one signing and one encryption key per member, and a signed
 * manifest, as files under `dir`. For demos, tests and a zone authority's first setup.
 */
export async function initFederation(
  o: InitFederationOptions,
): Promise<{ manifestJws: string; authorityPublic: JWK; members: MemberKeys[] }> {
  const files = federationFiles(o.dir);
  const now = o.now ?? new Date();
  const validDays = o.validDays ?? 30;
  await mkdir(join(o.dir, 'keys'), { recursive: true });
  const authority = await generateSigningKey('EdDSA', `authority-${now.toISOString().slice(0, 10)}`);
  const members: MemberKeys[] = [];
  for (const id of o.members) {
    const signing = await generateSigningKey(o.alg ?? 'EdDSA', `${id}-sig-1`);
    const encryption = await generateEncryptionKey(`${id}-enc-1`);
    const window = {
      notBefore: new Date(now.getTime() - 86_400_000).toISOString(),
      notAfter: new Date(now.getTime() + 365 * 86_400_000).toISOString(),
    };
    members.push({ id, signing: [{ ...signing, ...window }], encryption });
    await writeJson(files.signingKey(id), signing.privateJwk);
    await writeJson(files.encryptionKey(id), encryption.privateJwk);
    const issuer = await generateSigningKey('ES256', `${id}-idp-1`);
    await mkdir(join(o.dir, 'auth'), { recursive: true });
    await writeJson(files.authIssuerKey(id), issuer.privateJwk);
    await writeJson(files.authJwks(id), { keys: [issuer.publicJwk] });
  }
  const manifest = buildManifest({
    serial: 1,
    issuer: 'zone-authority',
    issuedAt: now,
    validDays,
    members,
    zones: o.zones,
    catalog: o.catalog,
    agreements: o.agreements,
    federation: o.federation ?? o.topicPrefix,
    capabilities: o.capabilities,
  });
  const manifestJws = await signManifest(manifest, authority.privateJwk);
  await writeJson(files.authorityPrivate, authority.privateJwk);
  await writeJson(files.authorityPublic, publicPart(authority.privateJwk));
  await writeFile(files.manifest, manifestJws + '\n');
  return { manifestJws, authorityPublic: authority.publicJwk, members };
}

/** A JWK from a file; a private one only from a file no one but its owner may read. */
export async function readJwk(file: string): Promise<JWK> {
  const jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  if (jwk.d !== undefined) requireOwnerOnly(file, 'private key file');
  return jwk;
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
}
