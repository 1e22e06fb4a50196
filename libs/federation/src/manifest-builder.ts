import { parseSchema, rabinFingerprintOf, type SchemaCatalog } from '@xietong/contracts';
import type { KeyPairJwk, SigningAlgorithm } from '@xietong/crypto';
import {
  MANIFEST_FORMAT,
  type Manifest,
  type ManifestAgreement,
  type ManifestMember,
  type MemberCapabilities,
} from './manifest';
import type { ZoneData } from './zone-data';

export interface MemberKeys {
  id: string;
  name?: string;
  signing: (KeyPairJwk & { notBefore: string; notAfter: string })[];
  encryption: KeyPairJwk;
}

export interface BuildManifestInput {
  serial: number;
  issuer: string;
  issuedAt: Date;
  validDays: number;
  members: MemberKeys[];
  zones: ZoneData;
  catalog: SchemaCatalog;
  agreements?: ManifestAgreement[];
  /** Federation id: the namespace of its topics and consumer groups (default xietong). */
  federation?: string;
  /** @deprecated the same as `federation` (format 1 called the namespace a topic prefix). */
  topicPrefix?: string;
  /**
   * What each member reads, by member id; a member not listed reads every envelope version and
   * every type and version of the catalog.
   */
  capabilities?: Record<string, MemberCapabilities>;
}

/** Assembles a manifest payload (unsigned) from member keys, zone data and the schema catalog. */
export function buildManifest(input: BuildManifestInput): Manifest {
  const federation = input.federation ?? input.topicPrefix ?? 'xietong';
  const envelopeVersions = input.catalog.envelopeVersions();
  const everything: MemberCapabilities = {
    envelopes: envelopeVersions.length > 0 ? envelopeVersions : [1],
    messageTypes: input.catalog.typeVersions() as Record<string, number[]>,
  };
  const members: ManifestMember[] = input.members.map((m) => ({
    id: m.id,
    name: m.name ?? input.zones.divisions[m.id] ?? m.id,
    divisionCode: m.id,
    inbox: `${federation}.inbox.${m.id}`,
    signingKeys: m.signing.map((k) => ({
      kid: k.kid,
      alg: k.alg as SigningAlgorithm,
      notBefore: k.notBefore,
      notAfter: k.notAfter,
      publicJwk: k.publicJwk,
    })),
    encryptionKey: { kid: m.encryption.kid, alg: m.encryption.alg, publicJwk: m.encryption.publicJwk },
    accepts: input.capabilities?.[m.id] ?? everything,
  }));
  return {
    format: MANIFEST_FORMAT,
    federation,
    serial: input.serial,
    issuer: input.issuer,
    issuedAt: input.issuedAt.toISOString(),
    expiresAt: new Date(input.issuedAt.getTime() + input.validDays * 86_400_000).toISOString(),
    members,
    agreements: input.agreements ?? input.zones.zones,
    schemas: input.catalog
      .entries()
      .map((e) => ({ type: e.type, version: e.version, name: e.name, fingerprint: e.fingerprint, schema: e.schema })),
    envelopes: input.catalog.envelopes.map((schema) => ({
      version: Number((schema as Record<string, unknown>)['xietong.version'] ?? 1),
      rabin: rabinFingerprintOf(parseSchema(schema)).toString('hex'),
      schema,
    })),
  };
}
