import { DomainError, validateBody } from '@xietong/contracts';
import { encryptJson } from '@xietong/crypto';
import type { Federation, ManifestStore } from '@xietong/federation';
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
    const wanted = cmds.map((c) => c.messageId).filter((id): id is string => id !== undefined);
    const existing = new Map<string, MessageRecord>();
    for (const id of wanted) {
      const m = await this.messages.find(id);
      if (m) existing.set(id, m);
    }
    const federation = this.manifests.federation;
    const prepared: (Prepared | MessageRecord)[] = [];
    for (const [i, cmd] of cmds.entries()) {
      const known = cmd.messageId ? existing.get(cmd.messageId) : undefined;
      prepared.push(
        known ?? (await itemErrors(cmds.length > 1 ? i : undefined, () => this.prepare(cmd, federation, now))),
      );
    }
    const fresh = prepared.filter((p): p is Prepared => 'outbox' in p);
    if (fresh.length > 0) {
      await this.db.transaction(async (em) => {
        await this.messages.insertMany(
          em,
          fresh.map((p) => p.row),
        );
        await this.cases.apply(
          em,
          fresh.map((p) => ({
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
          fresh.map((p) => p.outbox),
          now,
        );
        await this.audit.append(
          em,
          fresh.map((p) => ({
            kind: 'SUBMITTED',
            actor,
            messageId: p.row.messageId,
            caseNo: p.row.correlationId,
            partner: p.row.recipient,
            detail: { type: p.row.type, zone: p.row.zone },
            occurredAt: now,
          })),
        );
      });
      this.signal.notify();
    }
    return prepared.map((p) => ('outbox' in p ? this.result(p.row, true, p.warnings) : this.result(p, false, [])));
  }

  private async prepare(cmd: SubmitMessageCommand, federation: Federation, now: Date): Promise<Prepared> {
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
    const schema = this.codec.local.latest(cmd.type);
    if (!federation.catalog.find(schema.fingerprint)) {
      throw new DomainError(
        'UNKNOWN_SCHEMA',
        `local ${schema.name} v${schema.version} is not in the signed catalog; update the manifest first`,
      );
    }
    let body: Record<string, unknown> = cmd.body;
    if (cmd.type === 'COMPLAINT') {
      const { key, kid } = await federation.encryptionKey(to);
      body = { ...body, complainant: await encryptJson(body.complainant, key, kid) };
    }
    body = prefixFieldErrors(() => validateBody(schema.avroType, body));
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
    });
    return {
      row: outboundRow(envelope, body, federation.serial),
      outbox: { messageId: envelope.messageId, topic: recipient.inbox, recordKey: cmd.correlationId, value },
      body,
      warnings,
    };
  }

  /** The agency with jurisdiction over a lead's subject or a complaint's respondent. */
  private route(cmd: SubmitMessageCommand, federation: Federation): string {
    const b = cmd.body as {
      jurisdictionBasis?: string;
      subject?: { registeredAddress?: { divisionCode?: string }; actualAddress?: { divisionCode?: string } | null };
      respondent?: { divisionCode?: string };
    };
    const request =
      cmd.type === 'LEAD'
        ? {
            basis: (b.jurisdictionBasis ?? 'SEAT') as JurisdictionBasis,
            seatCode: b.subject?.registeredAddress?.divisionCode,
            actualCode: b.subject?.actualAddress?.divisionCode,
          }
        : {
            basis: 'ACTUAL_PLACE_OF_BUSINESS' as const,
            seatCode: b.respondent?.divisionCode,
            actualCode: b.respondent?.divisionCode,
          };
    return this.router.route(federation, { sender: this.self, type: cmd.type, ...request }).recipient;
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

interface Prepared {
  row: MessageRecord;
  outbox: NewOutboxRecord;
  body: Record<string, unknown>;
  warnings: RecordWarning[];
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
