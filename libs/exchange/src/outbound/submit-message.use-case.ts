import { Injectable } from '@nestjs/common';
import {
  bodyPath,
  canonicalBody,
  DomainError,
  firstInvalidText,
  messageTypeSpec,
  validateBody,
  type BusinessType,
  type SchemaEntry,
} from '@xietong/contracts';
import { encryptJson } from '@xietong/crypto';
import { ManifestStore, type Federation } from '@xietong/federation';
import { HEADERS, RECORD_BATCH_OVERHEAD, recordBytes, TopicLimits } from '@xietong/messaging';
import {
  AuditRepository,
  Database,
  MessageRepository,
  OutboxRepository,
  type MessageRecord,
} from '@xietong/persistence';
import {
  identifierWarnings,
  JurisdictionRouter,
  DivisionCodes,
  type JurisdictionBasis,
  type RecordWarning,
} from '@xietong/workflow';
import { CaseTracker } from '../cases/case-tracker';
import { outboundRow } from '../message-rows';
import {
  planSubmissions,
  racedSubmissions,
  submissionWrites,
  type NewSubmission,
  type PreparedMessage,
} from './submit-message.planner';
import { OutboxSignal } from './outbox-signal';
import type { SubmitMessageCommand } from './submit-message.command';
import { AgencyId } from '../tokens';
import { WireCodec } from '../wire-codec';

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
@Injectable()
export class SubmitMessageUseCase {
  constructor(
    private readonly self: AgencyId,
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
   * Planned by {@link planSubmissions}; `asOf` is the time the case files see (the deadline
   * supervisor's clock), the records themselves always carry the real time.
   */
  async executeMany(cmds: SubmitMessageCommand[], asOf?: Date, actor = 'gateway'): Promise<SubmissionResult[]> {
    const now = new Date();
    const items = await planSubmissions(cmds, {
      stored: (ids) => this.db.outsideTransaction((tx) => this.messages.submitted(tx, ids)),
      preparer: () => {
        const federation = this.manifests.federation;
        return (cmd) => this.prepare(cmd, federation, now);
      },
    });
    const fresh = items.filter((p): p is NewSubmission => p.kind === 'new');
    /** Messages another request stored first, between the fast path and this transaction. */
    let raced = new Map<string, MessageRecord>();
    if (fresh.length > 0) {
      const created = await this.db.transaction(async (em) => {
        const inserted = await this.messages.insertAbsent(
          em,
          fresh.map((p) => p.row),
        );
        const lost = fresh.filter((p) => !inserted.has(p.row.messageId));
        if (lost.length > 0)
          raced = racedSubmissions(
            lost,
            await this.messages.submitted(
              em,
              lost.map((p) => p.row.messageId),
            ),
          );
        const won = fresh.filter((p) => inserted.has(p.row.messageId));
        if (won.length === 0) return 0;
        const writes = submissionWrites(won, actor, now);
        await this.cases.apply(em, writes.caseEvents, asOf ?? now, true);
        await this.outbox.insertMany(em, writes.outbox, now);
        await this.audit.append(em, writes.audit);
        return won.length;
      });
      if (created > 0) this.signal.notify();
    }
    return items.map((p) => {
      if (p.kind === 'stored') return this.result(p.row, false, []);
      const first = raced.get(p.row.messageId);
      return first ? this.result(first, false, []) : this.result(p.row, true, p.warnings);
    });
  }

  /** The message `cmd` becomes: recipient, agreement and schema checked, personal data encrypted, encoded. */
  private async prepare(cmd: SubmitMessageCommand, federation: Federation, now: Date): Promise<PreparedMessage> {
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
    const text = firstInvalidText(cmd.body);
    if (text)
      throw new DomainError('VALIDATION_FAILED', `field body.${text.path}: ${text.problem}`, `body.${text.path}`);
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
