import { DomainError, validateBody } from '@xietong/contracts';
import { encryptJson } from '@xietong/crypto';
import type { ManifestStore } from '@xietong/federation';
import type { Database, MessageRecord, MessageRepository, OutboxRepository } from '@xietong/persistence';
import { outboundRow } from './message-rows';
import type { OutboxSignal } from './outbox-signal';
import type { SubmitMessageCommand } from './submit-message.command';
import type { WireCodec } from './wire-codec';

export interface SubmissionResult {
  messageId: string;
  status: string;
  recipient: string;
  zone: string;
  correlationId: string;
  /** false when the same messageId had been submitted before (idempotent retry). */
  created: boolean;
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
  ) {}

  async execute(cmd: SubmitMessageCommand): Promise<SubmissionResult> {
    if (cmd.messageId) {
      const existing = await this.messages.find(cmd.messageId);
      if (existing) return this.result(existing, false);
    }
    const federation = this.manifests.federation;
    if (cmd.recipient === this.self) throw new DomainError('UNKNOWN_RECIPIENT', 'recipient is this agency itself');
    const recipient = federation.member(cmd.recipient) ?? raise('UNKNOWN_RECIPIENT', `agency ${cmd.recipient} is not a member of the federation (manifest serial ${federation.serial})`);
    const agreements = federation.agreementsFor(this.self, cmd.recipient, cmd.type);
    if (agreements.length === 0) {
      throw new DomainError('NOT_IN_AGREEMENT', `no agreement lets ${this.self} send ${cmd.type} to ${cmd.recipient} (manifest serial ${federation.serial})`);
    }
    const schema = this.codec.local.latest(cmd.type);
    if (!federation.catalog.find(schema.fingerprint)) {
      throw new DomainError('UNKNOWN_SCHEMA', `local ${schema.name} v${schema.version} is not in the signed catalog; update the manifest first`);
    }
    let body: Record<string, unknown> = cmd.body;
    if (cmd.type === 'COMPLAINT') {
      const { key, kid } = await federation.encryptionKey(cmd.recipient);
      body = { ...body, complainant: await encryptJson(body.complainant, key, kid) };
    }
    body = prefixFieldErrors(() => validateBody(schema.avroType, body));
    const now = new Date();
    const { envelope, value } = this.codec.compose({
      type: cmd.type,
      sender: this.self,
      recipient: cmd.recipient,
      zone: agreements[0].id,
      correlationId: cmd.correlationId,
      causationId: cmd.causationId,
      messageId: cmd.messageId,
      createdAt: now,
      body,
    });
    const row = outboundRow(envelope, body, federation.serial);
    await this.db.transaction(async (em) => {
      await this.messages.insertMany(em, [row]);
      await this.outbox.insertMany(em, [{ messageId: row.messageId, topic: recipient.inbox, recordKey: cmd.correlationId, value }], now);
    });
    this.signal.notify();
    return this.result(row, true);
  }

  private result(m: MessageRecord, created: boolean): SubmissionResult {
    return { messageId: m.messageId, status: m.status, recipient: m.recipient, zone: m.zone, correlationId: m.correlationId, created };
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
      throw new DomainError('VALIDATION_FAILED', e.message.replace(/^field /, 'field body.').replace(/^unknown field /, 'unknown field body.'), field);
    }
    throw e;
  }
}
