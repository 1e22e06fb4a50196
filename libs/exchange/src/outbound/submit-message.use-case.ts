import {
  bodyPath,
  canonicalBody,
  DomainError,
  firstControlCharacter,
  messageTypeSpec,
  validateBody,
  type BusinessType,
  type SchemaEntry,
} from '@xietong/contracts';
import { encryptJson } from '@xietong/crypto';
import type { Federation, ManifestStore } from '@xietong/federation';
import { HEADERS, RECORD_BATCH_OVERHEAD, recordBytes, type TopicLimits } from '@xietong/messaging';
import type {
  AuditRepository,
  Database,
  MessageRecord,
  MessageRepository,
  NewOutboxRecord,
  OutboxRepository,
} from '@xietong/persistence';
import {
  identifierWarnings,
  JurisdictionRouter,
  type DivisionCodes,
  type JurisdictionBasis,
  type RecordWarning,
} from '@xietong/workflow';
import type { CaseTracker } from '../cases/case-tracker';
import { outboundRow } from '../message-rows';
import type { OutboxSignal } from './outbox-signal';
import type { SubmitMessageCommand } from './submit-message.command';
import type { WireCodec } from '../wire-codec';

export interface SubmissionResult {
  messageId: string;
  status: string;
  recipient: string;
  zone: string;
  correlationId: string;
  /** false when the same messageId had been submitted before (idempotent retry). */
  created: boolean;
  /** Findings for manual review that did not stop the message (e.g. a credit-code checksum). */
  warnings: RecordWarning[];
}

/**
 * Accepts a business message from the county's own systems: checks recipient, agreement and
 * schema, encrypts complainant personal data to the recipient, and writes the message row and
 * its outbox row in one transaction. The relay publishes it.
 */
export class SubmitMessageUseCase {
  constructor(
    private readonly self: string,
    private readonly manifests: ManifestStore,
    private readonly codec: WireCodec,
    private readonly db: Database,
    private readonly messages: MessageRepository,
    private readonly outbox: OutboxRepository,
    private readonly signal: OutboxSignal,
    private readonly router: JurisdictionRouter,
    private readonly cases: CaseTracker,
    private readonly divisions: DivisionCodes,
    private readonly audit: AuditRepository,
    private readonly limits: TopicLimits,
  ) {}

  async execute(cmd: SubmitMessageCommand, actor?: string): Promise<SubmissionResult> {
    return (await this.executeMany([cmd], undefined, actor))[0];
  }

  /**
   * Accepts several messages in one transaction (bulk push from a county system): all or none.
   * A validation error names the item (`items.3.body.riskTier`) when there is more than one.
   */
  /**
   * `asOf` is the time the case files see (the deadline supervisor's clock); the records
   * themselves always carry the real time.
   */
  async executeMany(cmds: SubmitMessageCommand[], asOf?: Date, actor = 'gateway'): Promise<SubmissionResult[]> {
    const now = new Date();
    assertDistinctMessageIds(cmds);
    const batch = cmds.length > 1;
    const wanted = cmds.map((c) => c.messageId).filter((id): id is string => id !== undefined);
    // Fast path for retries: one query, and a stored message is not prepared again.
    const known = wanted.length > 0 ? await this.messages.submitted(this.db.manager, wanted) : new Map();
    const federation = this.manifests.federation;
    const items: (Prepared | MessageRecord)[] = [];
    for (const [i, cmd] of cmds.entries()) {
      const index = batch ? i : undefined;
      const stored = cmd.messageId ? known.get(cmd.messageId) : undefined;
      items.push(
        stored
          ? await itemErrors(index, async () => sameRequest(stored, cmd))
          : await itemErrors(index, () => this.prepare(cmd, federation, now, index)),
      );
    }
    const fresh = items.filter((p): p is Prepared => 'outbox' in p);
    /** Messages another request stored first, between the fast path and this transaction. */
    const raced = new Map<string, MessageRecord>();
    if (fresh.length > 0) {
      const created = await this.db.transaction(async (em) => {
        const inserted = await this.messages.insertAbsent(
          em,
          fresh.map((p) => p.row),
        );
        const lost = fresh.filter((p) => !inserted.has(p.row.messageId));
        if (lost.length > 0) {
          const stored = await this.messages.submitted(
            em,
            lost.map((p) => p.row.messageId),
          );
          for (const p of lost) {
            const row = stored.get(p.row.messageId);
            if (!row) throw new Error(`message ${p.row.messageId} was neither inserted nor found`);
            raced.set(p.row.messageId, await itemErrors(p.index, async () => sameRequest(row, p.command)));
          }
        }
        const won = fresh.filter((p) => inserted.has(p.row.messageId));
        if (won.length === 0) return 0;
        await this.cases.apply(
          em,
          won.map((p) => ({
            messageId: p.row.messageId,
            direction: 'out',
            type: p.row.type,
            partner: p.row.recipient,
            correlationId: p.row.correlationId,
            body: p.body,
            warnings: p.warnings,
          })),
          asOf ?? now,
          true,
        );
        await this.outbox.insertMany(
          em,
          won.map((p) => p.outbox),
          now,
        );
        await this.audit.append(
          em,
          won.map((p) => ({
            kind: 'SUBMITTED',
            actor,
            messageId: p.row.messageId,
            caseNo: p.row.correlationId,
            partner: p.row.recipient,
            detail: { type: p.row.type, zone: p.row.zone },
            occurredAt: now,
          })),
        );
        return won.length;
      });
      if (created > 0) this.signal.notify();
    }
    return items.map((p) => {
      if (!('outbox' in p)) return this.result(p, false, []);
      const first = raced.get(p.row.messageId);
      return first ? this.result(first, false, []) : this.result(p.row, true, p.warnings);
    });
  }

  private async prepare(
    cmd: SubmitMessageCommand,
    federation: Federation,
    now: Date,
    index?: number,
  ): Promise<Prepared> {
    const warnings = identifierWarnings(cmd.type, cmd.body, this.divisions);
    const to = cmd.recipient ?? this.route(cmd, federation);
    if (to === this.self) throw new DomainError('UNKNOWN_RECIPIENT', 'recipient is this agency itself');
    const recipient =
      federation.member(to) ??
      raise(
        'UNKNOWN_RECIPIENT',
        `agency ${to} is not a member of the federation (manifest serial ${federation.serial})`,
      );
    const agreements = federation.agreementsFor(this.self, to, cmd.type);
    if (agreements.length === 0) {
      throw new DomainError(
        'NOT_IN_AGREEMENT',
        `no agreement lets ${this.self} send ${cmd.type} to ${to} (manifest serial ${federation.serial})`,
      );
    }
    const schema = this.bodySchemaFor(cmd.type, to, federation);
    if (!federation.catalog.find(schema.fingerprint)) {
      throw new DomainError(
        'UNKNOWN_SCHEMA',
        `local ${schema.name} v${schema.version} is not in the signed catalog; update the manifest first`,
      );
    }
    // Checked before encryption too: personal data becomes an opaque JWE below.
    const control = firstControlCharacter(cmd.body);
    if (control)
      throw new DomainError(
        'VALIDATION_FAILED',
        `field body.${control}: control characters are not accepted`,
        `body.${control}`,
      );
    let body: Record<string, unknown> = cmd.body;
    const personalData = messageTypeSpec(cmd.type).personalData;
    if (personalData.length > 0) {
      const { key, kid } = await federation.encryptionKey(to);
      body = { ...body };
      for (const field of personalData)
        if (body[field] !== undefined && body[field] !== null) body[field] = await encryptJson(body[field], key, kid);
    }
    body = prefixFieldErrors(() => canonicalBody(schema.avroType, validateBody(schema.avroType, body)));
    const { envelope, value } = this.codec.compose({
      type: cmd.type,
      sender: this.self,
      recipient: to,
      zone: agreements[0].id,
      correlationId: cmd.correlationId,
      causationId: cmd.causationId,
      messageId: cmd.messageId,
      createdAt: now,
      body,
      bodyVersion: schema.version,
      envelopes: federation.accepts(to, cmd.type).envelopes,
    });
    this.requireFits(recipient.inbox, cmd.correlationId, value);
    return {
      command: cmd,
      index,
      row: { ...outboundRow(envelope, body, federation.serial, value), requestDigest: cmd.digest },
      outbox: { messageId: envelope.messageId, topic: recipient.inbox, recordKey: cmd.correlationId, value },
      body,
      warnings,
    };
  }

  /**
   * The body schema to write for `to`: the newest local version of the type the recipient declares
   * in the manifest (`accepts`), carried by an envelope version it reads. UNSUPPORTED_TYPE (422)
   * names the missing capability: a gateway never sends a member something it has not declared.
   */
  private bodySchemaFor(type: BusinessType | 'REMINDER', to: string, federation: Federation): SchemaEntry {
    const { envelopes, versions } = federation.accepts(to, type);
    const missing = (what: string) =>
      new DomainError(
        'UNSUPPORTED_TYPE',
        `agency ${to} does not accept ${what} (its capabilities in manifest serial ${federation.serial}: envelope ${envelopes.map((v) => `v${v}`).join(', ') || 'none'}; ${
          Object.entries(federation.requireMember(to).accepts.messageTypes)
            .map(([t, v]) => `${t} ${v.map((n) => `v${n}`).join('/')}`)
            .join(', ') || 'no message types'
        })`,
      );
    if (versions.length === 0) throw missing(type);
    if (!this.codec.local.has(type))
      throw new DomainError('UNSUPPORTED_TYPE', `this gateway has no schema for ${type}: upgrade its schema set first`);
    const local = this.codec.local.versions(type).filter((e) => versions.includes(e.version));
    if (local.length === 0)
      throw missing(`${type} in a body version this gateway writes (v${this.codec.local.latest(type).version})`);
    try {
      this.codec.envelope.writerFor(type, envelopes);
    } catch {
      throw missing(`${type} in an envelope version it reads`);
    }
    return local[local.length - 1];
  }

  /** Refuses a record the partner's inbox topic could never take, naming the limit (HTTP 413). */
  private requireFits(topic: string, key: string, value: Buffer): void {
    const limit = this.limits.current(topic);
    const bytes = recordBytes(key, value, { [HEADERS.signature]: SIGNATURE_ALLOWANCE }) + RECORD_BATCH_OVERHEAD;
    if (bytes > limit) {
      throw new DomainError(
        'RECORD_TOO_LARGE',
        `the signed record would take ${bytes} bytes; topic ${topic} accepts at most ${limit} bytes (max.message.bytes)`,
      );
    }
  }

  /** The agency with jurisdiction, from the body fields the registry names for the type. */
  private route(cmd: SubmitMessageCommand, federation: Federation): string {
    const routing =
      messageTypeSpec(cmd.type).routing ??
      raise('UNKNOWN_RECIPIENT', `${cmd.type} is not routed by jurisdiction: name the recipient`);
    const code = (path: string) => {
      const v = bodyPath(cmd.body, path);
      return typeof v === 'string' ? v : undefined;
    };
    const basis = routing.basisField ? code(routing.basisField) : undefined;
    return this.router.route(federation, {
      sender: this.self,
      type: cmd.type,
      basis: (basis ?? routing.defaultBasis) as JurisdictionBasis,
      seatCode: code(routing.seatCode),
      actualCode: code(routing.actualCode),
    }).recipient;
  }

  private result(m: MessageRecord, created: boolean, warnings: RecordWarning[]): SubmissionResult {
    return {
      messageId: m.messageId,
      status: m.status,
      recipient: m.recipient,
      zone: m.zone,
      correlationId: m.correlationId,
      created,
      warnings,
    };
  }
}

/** Room for the detached JWS header the relay adds (a compact JWS is a few hundred bytes). */
const SIGNATURE_ALLOWANCE = 'x'.repeat(1024);

interface Prepared {
  command: SubmitMessageCommand;
  /** Position in a batch (undefined for a single submission), to name the item in errors. */
  index: number | undefined;
  row: MessageRecord;
  outbox: NewOutboxRecord;
  body: Record<string, unknown>;
  warnings: RecordWarning[];
}

/** A batch must not name one messageId twice: which of the two would it mean? */
function assertDistinctMessageIds(cmds: SubmitMessageCommand[]): void {
  const first = new Map<string, number>();
  for (const [i, cmd] of cmds.entries()) {
    if (cmd.messageId === undefined) continue;
    const j = first.get(cmd.messageId);
    if (j !== undefined) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `items.${i}: messageId ${cmd.messageId} repeats the one of items.${j}; each message of a batch needs its own`,
        `items.${i}.messageId`,
      );
    }
    first.set(cmd.messageId, i);
  }
}

/**
 * A stored message under the messageId of `cmd`: the same request again (a retry) answers with
 * the stored message; another request reusing the id is a conflict. Rows stored before request
 * digests existed count as the same message, as they did then.
 */
function sameRequest(stored: MessageRecord, cmd: SubmitMessageCommand): MessageRecord {
  const same = stored.direction === 'out' && (stored.requestDigest == null || stored.requestDigest === cmd.digest);
  if (!same) {
    throw new DomainError(
      'MESSAGE_ID_CONFLICT',
      `messageId ${stored.messageId} is already used by another message (${stored.direction === 'out' ? 'sent' : 'received'} ${stored.type} ${stored.correlationId}); a retry must repeat the request unchanged, a new message needs a new messageId`,
      'messageId',
    );
  }
  return stored;
}

/** Prefixes the field path of a validation error with the item index of a batch. */
async function itemErrors<T>(index: number | undefined, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (index === undefined || !(e instanceof DomainError)) throw e;
    const field = `items.${index}${e.field ? `.${e.field}` : ''}`;
    throw new DomainError(e.code, `items.${index}: ${e.message}`, field);
  }
}

function raise(code: 'UNKNOWN_RECIPIENT', message: string): never {
  throw new DomainError(code, message);
}

function prefixFieldErrors<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DomainError && e.code === 'VALIDATION_FAILED') {
      const field = e.field ? `body.${e.field}` : 'body';
      throw new DomainError(
        'VALIDATION_FAILED',
        e.message.replace(/^field /, 'field body.').replace(/^unknown field /, 'unknown field body.'),
        field,
      );
    }
    throw e;
  }
}
