import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SchemaCatalog } from '@xietong/contracts';
import {
  generateEncryptionKey,
  generateSigningKey,
  publicPart,
  type KeyPairJwk,
  type SigningAlgorithm,
} from '@xietong/crypto';
import {
  buildManifest,
  Federation,
  federationFiles,
  signManifest,
  type ManifestAgreement,
  type MemberKeys,
} from '@xietong/federation';
import { DAY, OTHER_MEMBER, VECTOR_RECEIVER, VECTOR_SENDER, type Member } from './vector-kit';

/** The test federation of the vectors: its members' keys, the authority and the signed manifest. */
export interface TestFederation {
  sender: Member;
  receiver: Member;
  members: Member[];
  authority: KeyPairJwk;
  manifestJws: string;
  federation: Federation;
}

/**
 * Three members (the sender with an EdDSA, an ES256 and an expired key), two agreements, and a
 * receiver that declares no 协查 replies. Keys are new on every call.
 */
export async function testFederation(now: Date, federationId: string, catalog: SchemaCatalog): Promise<TestFederation> {
  const at = (days: number) => new Date(now.getTime() + days * DAY).toISOString();
  const valid = { notBefore: at(-30), notAfter: at(365) };

  const member = async (
    id: string,
    ...extra: [SigningAlgorithm, string, { notBefore: string; notAfter: string }][]
  ) => {
    const signing = [{ ...(await generateSigningKey('EdDSA', `${id}-sig-ed`)), ...valid }];
    for (const [alg, kid, window] of extra) signing.push({ ...(await generateSigningKey(alg, kid)), ...window });
    return { id, signing, encryption: await generateEncryptionKey(`${id}-enc-1`) } satisfies Member;
  };
  const sender = await member(
    VECTOR_SENDER,
    ['ES256', `${VECTOR_SENDER}-sig-es`, valid],
    ['EdDSA', `${VECTOR_SENDER}-sig-old`, { notBefore: at(-400), notAfter: at(-30) }],
  );
  const receiver = await member(VECTOR_RECEIVER);
  const other = await member(OTHER_MEMBER);
  const members: Member[] = [sender, receiver, other];
  const agreements: ManifestAgreement[] = [
    {
      id: 'yrd',
      name: '长三角',
      members: ['310000', '320000', '330000', '340000'],
      messageTypes: [
        'LEAD',
        'CASE_RESULT',
        'COMPLAINT',
        'COMPLAINT_RESULT',
        'REMINDER',
        'ASSISTANCE_REQUEST',
        'ASSISTANCE_REPLY',
      ],
    },
    { id: 'leads-only', name: '线索协查', members: [VECTOR_SENDER, VECTOR_RECEIVER], messageTypes: ['LEAD'] },
  ];
  const authority = await generateSigningKey('EdDSA', 'authority-conformance');
  const manifest = buildManifest({
    serial: 1,
    issuer: 'zone-authority',
    issuedAt: new Date(now.getTime() - DAY),
    validDays: 366,
    members: members as MemberKeys[],
    zones: {
      version: 'conformance',
      divisions: { '330100': '杭州市', '341825': '旌德县', '320500': '苏州市' },
      zones: agreements,
    },
    catalog,
    agreements,
    federation: federationId,
    // The receiver takes 协查 requests but declares no replies: a reply is UNSUPPORTED_TYPE.
    capabilities: {
      [VECTOR_RECEIVER]: {
        envelopes: catalog.envelopeVersions(),
        messageTypes: Object.fromEntries(
          Object.entries(catalog.typeVersions()).filter(([t]) => t !== 'ASSISTANCE_REPLY'),
        ) as Record<string, number[]>,
      },
    },
  });
  const manifestJws = await signManifest(manifest, authority.privateJwk);
  const federation = new Federation(manifest);
  return { sender, receiver, members, authority, manifestJws, federation };
}

/** Writes the federation in the layout of `federation init` (so a gateway can run on it) under `out`, replacing it. */
export async function writeTestFederation(out: string, schemas: string, t: TestFederation): Promise<void> {
  const { members, authority, manifestJws } = t;
  rmSync(out, { recursive: true, force: true });
  const fedDir = join(out, 'federation');
  const files = federationFiles(fedDir);
  mkdirSync(join(fedDir, 'keys'), { recursive: true });
  mkdirSync(join(fedDir, 'auth'), { recursive: true });
  mkdirSync(join(out, 'records'), { recursive: true });
  const json = (file: string, value: unknown) => writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
  // Private keys readable by their owner only, as `federation init` writes them: a gateway refuses others.
  const secret = (file: string, value: unknown) =>
    writeFileSync(file, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  json(files.authorityPublic, publicPart(authority.privateJwk));
  writeFileSync(files.manifest, manifestJws + '\n');
  for (const m of members) {
    // The layout of `federation init` (one key each, for a gateway) plus every key by kid.
    secret(files.signingKey(m.id), m.signing[0].privateJwk);
    secret(files.encryptionKey(m.id), m.encryption.privateJwk);
    for (const k of m.signing) secret(join(fedDir, 'keys', `${k.kid}.private.jwk.json`), k.privateJwk);
    const issuer = await generateSigningKey('ES256', `${m.id}-idp-1`);
    secret(files.authIssuerKey(m.id), issuer.privateJwk);
    json(files.authJwks(m.id), { keys: [issuer.publicJwk] });
  }
  for (const f of readdirSync(schemas).filter((n) => /^envelope\.v\d+\.avsc$/.test(n)))
    copyFileSync(join(schemas, f), join(out, f));
}
