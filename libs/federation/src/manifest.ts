import type { JWK } from 'jose';
import { DomainError, isMessageType, type MessageType } from '@xietong/contracts';
import { isSigningAlgorithm, type SigningAlgorithm } from '@xietong/crypto';

export interface ManifestSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  /** ISO instant from which the key may sign. */
  notBefore: string;
  /** ISO instant after which the key may no longer sign. */
  notAfter: string;
  publicJwk: JWK;
}

export interface ManifestMember {
  /** Member id: the agency's six-digit division code. */
  id: string;
  name: string;
  divisionCode: string;
  /** Kafka topic the member reads: xietong.inbox.<id>. */
  inbox: string;
  signingKeys: ManifestSigningKey[];
  encryptionKey: { kid: string; alg: string; publicJwk: JWK };
}

export interface ManifestAgreement {
  id: string;
  name: string;
  /** Division codes; a province (xx0000) or city (xxxx00) code covers the codes under it. */
  members: string[];
  /** Listed for information; observers are not parties to the exchange. */
  observers?: string[];
  messageTypes: MessageType[];
}

export interface ManifestSchema {
  type: MessageType;
  version: number;
  name: string;
  fingerprint: string;
  schema: object;
}

/** The signed federation manifest (payload of the authority's JWS). */
export interface Manifest {
  format: 'xietong-manifest/1';
  serial: number;
  issuer: string;
  issuedAt: string;
  expiresAt: string;
  members: ManifestMember[];
  agreements: ManifestAgreement[];
  schemas: ManifestSchema[];
}

const DIVISION = /^\d{6}$/;

/** Structural check of a decoded manifest payload; MANIFEST_INVALID names the first problem. */
export function assertManifestShape(m: unknown): asserts m is Manifest {
  const bad = (what: string): never => {
    throw new DomainError('MANIFEST_INVALID', `manifest ${what}`);
  };
  if (typeof m !== 'object' || m === null) bad('is not a JSON object');
  const x = m as Record<string, unknown>;
  if (x.format !== 'xietong-manifest/1') bad(`format must be xietong-manifest/1, got ${String(x.format)}`);
  if (!Number.isInteger(x.serial)) bad('serial must be an integer');
  for (const f of ['issuedAt', 'expiresAt'] as const)
    if (typeof x[f] !== 'string' || Number.isNaN(Date.parse(x[f] as string))) bad(`${f} must be an ISO instant`);
  if (!Array.isArray(x.members) || !Array.isArray(x.agreements) || !Array.isArray(x.schemas))
    bad('needs members, agreements and schemas arrays');
  for (const mem of x.members as ManifestMember[]) {
    if (!DIVISION.test(mem.id ?? '')) bad(`member id ${String(mem.id)} is not a six-digit division code`);
    if (!Array.isArray(mem.signingKeys)) bad(`member ${mem.id} has no signingKeys`);
    for (const k of mem.signingKeys) {
      if (!k.kid || !isSigningAlgorithm(k.alg) || !k.publicJwk) bad(`member ${mem.id} has a malformed signing key`);
      if (Number.isNaN(Date.parse(k.notBefore)) || Number.isNaN(Date.parse(k.notAfter)))
        bad(`key ${k.kid} needs notBefore/notAfter instants`);
      if ('d' in k.publicJwk) bad(`key ${k.kid} contains private key material`);
    }
  }
  for (const a of x.agreements as ManifestAgreement[]) {
    if (!a.id || !Array.isArray(a.members) || !Array.isArray(a.messageTypes)) bad('has a malformed agreement');
    for (const t of a.messageTypes)
      if (!isMessageType(t)) bad(`agreement ${a.id} names unknown message type ${String(t)}`);
  }
  for (const s of x.schemas as ManifestSchema[]) {
    if (!isMessageType(s.type) || !/^[0-9a-f]{64}$/.test(s.fingerprint ?? '') || typeof s.schema !== 'object')
      bad('has a malformed schema entry');
  }
}
