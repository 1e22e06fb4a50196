import type { JWK } from 'jose';
import { DomainError, type MessageType } from '@xietong/contracts';
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
  /** Kafka topic the member reads: <federation>.inbox.<id>. */
  inbox: string;
  signingKeys: ManifestSigningKey[];
  encryptionKey: { kid: string; alg: string; publicJwk: JWK };
  /** What the member's gateway reads (format 3); a gateway never sends it anything else. */
  accepts: MemberCapabilities;
  /**
   * Kafka client quotas of the member's principal, where the default does not fit (optional, in
   * any format: only `xietong kafka plan/apply` reads it; a gateway ignores it).
   */
  quota?: Partial<MemberQuota>;
}

/** Kafka client quotas of one member principal, enforced by each broker on its own share. */
export interface MemberQuota {
  /** Bytes per second the member may produce to each broker (Kafka `producer_byte_rate`). */
  producerByteRate: number;
  /** Share of one request-handler thread's time on each broker, in % (Kafka `request_percentage`). */
  requestPercentage: number;
}

/**
 * Capabilities of a member (format 3): the envelope versions and the message types, each with the
 * body versions, its gateway reads. Type names are kept as strings: a manifest may name types newer
 * than the code reading it, which that code then simply never sends.
 */
export interface MemberCapabilities {
  envelopes: number[];
  messageTypes: Record<string, number[]>;
}

/** An envelope schema version carried by the manifest (format 3). */
export interface ManifestEnvelope {
  version: number;
  /** CRC-64-AVRO of the Parsing Canonical Form, hex as in the single-object header. */
  rabin: string;
  schema: object;
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

/** Format of the manifests this code writes; older formats are read through {@link upgradeManifest}. */
export const MANIFEST_FORMAT = 'xietong-manifest/3';

/** The signed federation manifest (payload of the authority's JWS), in the current format. */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  /**
   * Federation id (format 2): the namespace of its Kafka topics (`<id>.inbox.<member>`,
   * `<id>.dlq.<member>`) and consumer groups (`<id>-inbound-<member>`), so two federations on
   * one cluster never touch each other's. A gateway configured for another federation refuses it.
   */
  federation: string;
  serial: number;
  issuer: string;
  issuedAt: string;
  expiresAt: string;
  members: ManifestMember[];
  agreements: ManifestAgreement[];
  schemas: ManifestSchema[];
  /** Envelope versions (format 3), so a gateway reads an envelope newer than its own code's. */
  envelopes: ManifestEnvelope[];
}

const DIVISION = /^\d{6}$/;
/** A message type name: known to this code or not (a newer partner's). */
const TYPE_NAME = /^[A-Z][A-Z0-9_]{0,39}$/;
const FEDERATION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

const bad = (what: string): never => {
  throw new DomainError('MANIFEST_INVALID', `manifest ${what}`);
};

/**
 * Upgrades, one format at a time, from each older format to the next. A new format adds one
 * entry here (and bumps {@link MANIFEST_FORMAT}); signed files of every listed format stay readable.
 */
const UPGRADES: Record<string, { to: string; upgrade: (m: Record<string, unknown>) => Record<string, unknown> }> = {
  // Format 1 had no federation id: its inboxes were named <prefix>.inbox.<member>, and the
  // gateway's configured prefix namespaced the rest. The prefix of the inbox names becomes the id.
  'xietong-manifest/1': {
    to: 'xietong-manifest/2',
    upgrade: (m) => {
      const members = Array.isArray(m.members) ? (m.members as { inbox?: unknown }[]) : [];
      const prefixes = new Set(members.map((x) => /^(.+)\.inbox\.\d{6}$/.exec(String(x.inbox))?.[1] ?? ''));
      if (prefixes.size > 1 || prefixes.has(''))
        bad('format 1 inbox names must all be <prefix>.inbox.<member> with one prefix');
      return { ...m, format: 'xietong-manifest/2', federation: [...prefixes][0] ?? 'xietong' };
    },
  },
  // Format 2 declared no capabilities: every member read envelope v1 and every schema in the catalog.
  'xietong-manifest/2': {
    to: 'xietong-manifest/3',
    upgrade: (m) => {
      const messageTypes: Record<string, number[]> = {};
      for (const s of Array.isArray(m.schemas) ? (m.schemas as { type?: unknown; version?: unknown }[]) : [])
        if (typeof s.type === 'string') (messageTypes[s.type] ??= []).push(Number(s.version ?? 1));
      const members = Array.isArray(m.members) ? (m.members as Record<string, unknown>[]) : [];
      return {
        ...m,
        format: 'xietong-manifest/3',
        members: members.map((x) => ({ ...x, accepts: { envelopes: [1], messageTypes } })),
        envelopes: [],
      };
    },
  },
};

/** Formats this code reads (the current one and every older one it upgrades). */
export const READABLE_MANIFEST_FORMATS = [...Object.keys(UPGRADES), MANIFEST_FORMAT];

/**
 * A decoded manifest payload of any readable format, upgraded to the current one and checked.
 * The signature covers the bytes as issued; this only changes the in-memory view.
 */
export function upgradeManifest(payload: unknown): Manifest {
  if (typeof payload !== 'object' || payload === null) bad('is not a JSON object');
  let m = payload as Record<string, unknown>;
  for (let step = 0; m.format !== MANIFEST_FORMAT; step++) {
    const next = UPGRADES[String(m.format)];
    if (!next || step > READABLE_MANIFEST_FORMATS.length)
      bad(`format must be one of ${READABLE_MANIFEST_FORMATS.join(', ')}, got ${String(m.format)}`);
    m = next.upgrade(m);
  }
  assertManifestShape(m);
  return m;
}

function assertMemberQuota(mem: ManifestMember): void {
  const q = mem.quota as Record<string, unknown> | undefined;
  if (q === undefined) return;
  if (typeof q !== 'object' || q === null || Array.isArray(q))
    bad(`member ${mem.id} quota must be an object {producerByteRate?, requestPercentage?}`);
  for (const k of Object.keys(q))
    if (k !== 'producerByteRate' && k !== 'requestPercentage')
      bad(`member ${mem.id} quota has unknown field ${k} (producerByteRate, requestPercentage)`);
  const rate = q.producerByteRate;
  if (rate !== undefined && !(Number.isInteger(rate) && (rate as number) >= 1024))
    bad(`member ${mem.id} quota.producerByteRate must be an integer of at least 1024 (bytes/s), got ${String(rate)}`);
  const pct = q.requestPercentage;
  if (pct !== undefined && !(typeof pct === 'number' && Number.isFinite(pct) && pct > 0))
    bad(`member ${mem.id} quota.requestPercentage must be a number above 0, got ${String(pct)}`);
}

/** Structural check of a manifest payload in the current format; MANIFEST_INVALID names the first problem. */
export function assertManifestShape(m: unknown): asserts m is Manifest {
  if (typeof m !== 'object' || m === null) bad('is not a JSON object');
  const x = m as Record<string, unknown>;
  if (x.format !== MANIFEST_FORMAT) bad(`format must be ${MANIFEST_FORMAT}, got ${String(x.format)}`);
  if (typeof x.federation !== 'string' || !FEDERATION_ID.test(x.federation))
    bad(`federation must be an id of letters, digits, _ and -, got ${String(x.federation)}`);
  if (!Number.isInteger(x.serial)) bad('serial must be an integer');
  for (const f of ['issuedAt', 'expiresAt'] as const)
    if (typeof x[f] !== 'string' || Number.isNaN(Date.parse(x[f] as string))) bad(`${f} must be an ISO instant`);
  if (!Array.isArray(x.members) || !Array.isArray(x.agreements) || !Array.isArray(x.schemas))
    bad('needs members, agreements and schemas arrays');
  for (const mem of x.members as ManifestMember[]) {
    if (!DIVISION.test(mem.id ?? '')) bad(`member id ${String(mem.id)} is not a six-digit division code`);
    if (mem.inbox !== `${x.federation as string}.inbox.${mem.id}`)
      bad(`member ${mem.id} inbox must be ${x.federation as string}.inbox.${mem.id}, got ${String(mem.inbox)}`);
    if (!Array.isArray(mem.signingKeys)) bad(`member ${mem.id} has no signingKeys`);
    for (const k of mem.signingKeys) {
      if (!k.kid || !isSigningAlgorithm(k.alg) || !k.publicJwk) bad(`member ${mem.id} has a malformed signing key`);
      if (Number.isNaN(Date.parse(k.notBefore)) || Number.isNaN(Date.parse(k.notAfter)))
        bad(`key ${k.kid} needs notBefore/notAfter instants`);
      if ('d' in k.publicJwk) bad(`key ${k.kid} contains private key material`);
    }
    const acc = mem.accepts as MemberCapabilities | undefined;
    if (
      typeof acc !== 'object' ||
      acc === null ||
      !Array.isArray(acc.envelopes) ||
      !acc.envelopes.every((v) => Number.isInteger(v) && v > 0) ||
      typeof acc.messageTypes !== 'object' ||
      acc.messageTypes === null ||
      !Object.entries(acc.messageTypes).every(
        ([t, v]) => TYPE_NAME.test(t) && Array.isArray(v) && v.every((n) => Number.isInteger(n) && n > 0),
      )
    )
      bad(`member ${mem.id} needs accepts {envelopes: [versions], messageTypes: {TYPE: [body versions]}}`);
    assertMemberQuota(mem);
  }
  if (!Array.isArray(x.envelopes)) bad('needs an envelopes array');
  for (const e of x.envelopes as ManifestEnvelope[])
    if (!Number.isInteger(e.version) || !/^[0-9a-f]{16}$/.test(e.rabin ?? '') || typeof e.schema !== 'object')
      bad('has a malformed envelope entry');
  for (const a of x.agreements as ManifestAgreement[]) {
    if (!a.id || !Array.isArray(a.members) || !Array.isArray(a.messageTypes)) bad('has a malformed agreement');
    // A type newer than this code is allowed (it is never sent or accepted here), a malformed name is not.
    for (const t of a.messageTypes)
      if (typeof t !== 'string' || !TYPE_NAME.test(t))
        bad(`agreement ${a.id} names malformed message type ${String(t)}`);
  }
  for (const s of x.schemas as ManifestSchema[]) {
    if (
      typeof s.type !== 'string' ||
      !TYPE_NAME.test(s.type) ||
      !/^[0-9a-f]{64}$/.test(s.fingerprint ?? '') ||
      typeof s.schema !== 'object'
    )
      bad('has a malformed schema entry');
  }
}
