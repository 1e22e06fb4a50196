import type { CryptoKey } from 'jose';
import { DomainError, isMessageType, isProtocolType, SchemaCatalog, type MessageType } from '@xietong/contracts';
import { importKey, importSigningKey, type SigningKey } from '@xietong/crypto';
import { deadLetterTopic, inboundGroup } from '@xietong/messaging';
import { covers } from './division-code';
import type { Manifest, ManifestAgreement, ManifestMember, ManifestSigningKey } from './manifest';

/** Tolerated clock difference between gateways when checking key validity windows. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Read model over one verified manifest: members, their keys, agreements and the schema
 * catalog. Immutable; a manifest refresh builds a new instance.
 */
export class Federation {
  readonly catalog: SchemaCatalog;
  private readonly members: Map<string, ManifestMember>;
  private readonly keyCache = new Map<string, Promise<CryptoKey>>();
  private readonly signingKeyCache = new Map<string, Promise<SigningKey>>();

  constructor(readonly manifest: Manifest) {
    this.members = new Map(manifest.members.map((m) => [m.id, m]));
    // Types newer than this code are left out: it neither sends nor accepts them.
    this.catalog = new SchemaCatalog(
      manifest.schemas.filter((s) => isMessageType(s.type)),
      manifest.envelopes.map((e) => e.schema),
    );
  }

  /** The federation id: namespace of its topics and consumer groups. */
  get id(): string {
    return this.manifest.federation;
  }

  /** Dead-letter topic of a member: <federation>.dlq.<id>. */
  deadLetterTopic(memberId: string): string {
    return deadLetterTopic(memberId, this.id);
  }

  /** Consumer group of a member's inbound gateways: <federation>-inbound-<id>. */
  inboundGroup(memberId: string): string {
    return inboundGroup(memberId, this.id);
  }

  /** Members that share at least one agreement with `id` (they may write to each other's inboxes). */
  partners(id: string): string[] {
    return this.memberIds().filter(
      (other) =>
        other !== id &&
        this.manifest.agreements.some(
          (ag) => ag.members.some((m) => covers(m, id)) && ag.members.some((m) => covers(m, other)),
        ),
    );
  }

  get serial(): number {
    return this.manifest.serial;
  }

  get expiresAt(): Date {
    return new Date(this.manifest.expiresAt);
  }

  member(id: string): ManifestMember | undefined {
    return this.members.get(id);
  }

  memberIds(): string[] {
    return [...this.members.keys()];
  }

  requireMember(id: string): ManifestMember {
    const m = this.members.get(id);
    if (!m)
      throw new DomainError(
        'UNKNOWN_SENDER',
        `agency ${id} is not a member of the federation (manifest serial ${this.serial})`,
      );
    return m;
  }

  /**
   * The sender's public key for `kid`, valid now and when the message says it was created.
   * UNKNOWN_KEY if the sender has no such key (never had, or revoked by removal),
   * KEY_NOT_VALID if the key exists but is outside its validity window.
   */
  async signingKey(
    senderId: string,
    kid: string,
    createdAt: Date,
    now = new Date(),
  ): Promise<{ key: SigningKey; entry: ManifestSigningKey }> {
    const member = this.requireMember(senderId);
    const entry = member.signingKeys.find((k) => k.kid === kid);
    if (!entry)
      throw new DomainError(
        'UNKNOWN_KEY',
        `key ${kid} is not a signing key of ${senderId} in manifest serial ${this.serial}`,
      );
    const from = Date.parse(entry.notBefore) - CLOCK_SKEW_MS;
    const to = Date.parse(entry.notAfter) + CLOCK_SKEW_MS;
    for (const [what, t] of [
      ['now', now.getTime()],
      ['createdAt', createdAt.getTime()],
    ] as const) {
      if (t < from || t > to) {
        throw new DomainError(
          'KEY_NOT_VALID',
          `key ${kid} of ${senderId} is valid ${entry.notBefore} to ${entry.notAfter}, ${what} is ${new Date(t).toISOString()}`,
        );
      }
    }
    const cacheKey = `${senderId}/${kid}`;
    let key = this.signingKeyCache.get(cacheKey);
    if (!key) {
      key = importSigningKey(entry.publicJwk, entry.alg);
      this.signingKeyCache.set(cacheKey, key);
    }
    return { key: await key, entry };
  }

  /**
   * Agreements that make `a` and `b` parties and cover `type` (the gateways' own protocol types,
   * receipts and audit witnessing: any shared agreement).
   */
  agreementsFor(a: string, b: string, type: MessageType): ManifestAgreement[] {
    return this.manifest.agreements.filter(
      (ag) =>
        (isProtocolType(type) || ag.messageTypes.includes(type)) &&
        ag.members.some((m) => covers(m, a)) &&
        ag.members.some((m) => covers(m, b)),
    );
  }

  /** The agreement a sender names in an envelope, if it really covers this exchange. */
  agreement(id: string, sender: string, recipient: string, type: MessageType): ManifestAgreement | undefined {
    return this.agreementsFor(sender, recipient, type).find((ag) => ag.id === id);
  }

  /**
   * What a member reads (format 3 `accepts`): the envelope versions, and the body versions of
   * `type` (empty if it does not accept the type). Receipts are always accepted, in any body version
   * of the catalog: every gateway answers every message.
   */
  accepts(memberId: string, type: MessageType): { envelopes: number[]; versions: number[] } {
    const accepts = this.requireMember(memberId).accepts;
    const versions = accepts.messageTypes[type] ?? [];
    return {
      envelopes: accepts.envelopes,
      versions:
        type === 'RECEIPT' && versions.length === 0 ? this.catalog.versions('RECEIPT').map((e) => e.version) : versions,
    };
  }

  /** The recipient's public encryption key for personal data. */
  async encryptionKey(memberId: string): Promise<{ key: CryptoKey; kid: string }> {
    const member = this.requireMember(memberId);
    const cacheKey = `${memberId}/enc/${member.encryptionKey.kid}`;
    let key = this.keyCache.get(cacheKey);
    if (!key) {
      key = importKey(member.encryptionKey.publicJwk, member.encryptionKey.alg);
      this.keyCache.set(cacheKey, key);
    }
    return { key: await key, kid: member.encryptionKey.kid };
  }
}
