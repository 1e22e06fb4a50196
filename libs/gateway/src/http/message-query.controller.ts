import { Controller, Get, HttpCode, Logger, Param, Post, Query } from '@nestjs/common';
import { DomainError, ERASED_NOTE, isErased, isMessageType, MESSAGE_TYPES, messageTypeSpec } from '@xietong/contracts';
import { decryptJson } from '@xietong/crypto';
import {
  type Caller,
  InboundService,
  LocalKeys,
  PAGE,
  parseQuery,
  PARTNER,
  REASON_CODE,
  Roles,
} from '@xietong/exchange';
import { MessageRepository, QuarantineRepository, type MessageFilter, type MessageRecord } from '@xietong/persistence';
import { maskComplainant } from '@xietong/workflow';
import { CurrentCaller } from '../auth/caller.decorator';

const MESSAGE_QUERY = {
  direction: { kind: 'enum', values: ['in', 'out'] },
  status: { kind: 'enum', values: ['pending', 'sent', 'accepted', 'rejected', 'failed'] },
  type: { kind: 'enum', values: MESSAGE_TYPES },
  partner: PARTNER,
  correlationId: { kind: 'text' },
  ...PAGE,
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Status of every message sent or received, and the quarantine. */
@Controller('api/v1')
export class MessageQueryController {
  private readonly logger = new Logger('Messages');

  constructor(
    private readonly messages: MessageRepository,
    private readonly quarantine: QuarantineRepository,
    private readonly keys: LocalKeys,
    private readonly inbound: InboundService,
  ) {}

  @Get('messages')
  @Roles('submitter', 'handler', 'auditor')
  async list(@Query() query: unknown) {
    const filter: MessageFilter = parseQuery(query, MESSAGE_QUERY);
    return { items: (await this.messages.list(filter)).map(view) };
  }

  @Get('messages/:id')
  @Roles('submitter', 'handler', 'auditor')
  async one(@Param('id') id: string) {
    if (!UUID.test(id)) throw new DomainError('VALIDATION_FAILED', 'message id must be a UUID', 'id');
    const m = await this.messages.find(id);
    if (!m) throw new DomainError('NOT_FOUND', `no message ${id}`);
    const body = JSON.parse(m.body) as Record<string, unknown>;
    const masked = isMessageType(m.type) && messageTypeSpec(m.type).personalData.includes('complainant');
    const erased = masked && isErased(body.complainant) ? { complainantMasked: null, erased: ERASED_NOTE } : undefined;
    return { ...view(m), body, ...(erased ?? (masked ? { complainantMasked: await this.masked(m, body) } : {})) };
  }

  /**
   * The complainant of a complaint this agency handles, masked (王**, 138****1234): enough to tell
   * complaints apart, not personal data, so not a recorded access. The sender holds only the JWE
   * it encrypted to the handler and shows null.
   */
  private async masked(m: MessageRecord, body: Record<string, unknown>): Promise<Record<string, unknown> | null> {
    if (m.direction !== 'in' || typeof body.complainant !== 'string') return null;
    try {
      return maskComplainant(await decryptJson<Record<string, unknown>>(body.complainant, this.keys.decryptionKey));
    } catch (e) {
      this.logger.warn(
        `complaint ${m.messageId}: complainant not decryptable with this agency's key (${(e as Error).message})`,
      );
      return null;
    }
  }

  @Get('quarantine')
  @Roles('auditor')
  async quarantined(@Query() query: unknown) {
    const { reason } = parseQuery(query, { reason: REASON_CODE });
    const rows = await this.quarantine.list(reason);
    return {
      counts: await this.quarantine.countsByReason(),
      items: rows.map((r) => ({
        id: r.id,
        reasonCode: r.reasonCode,
        reason: r.reason,
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        messageId: r.messageId,
        claimedSender: r.claimedSender,
        type: r.type,
        receivedAt: r.receivedAt,
        deadLettered: r.deadLettered,
        replayedAt: r.replayedAt ?? null,
        replayedBy: r.replayedBy ?? null,
      })),
    };
  }

  /**
   * Puts a quarantined record back into this agency's inbox once its cause is fixed (a key or an
   * agreement the manifest lacked): it is checked again like any record. Admin only; recorded.
   */
  @Post('quarantine/:id/replay')
  @HttpCode(202)
  @Roles('admin')
  async replay(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    if (!/^\d{1,18}$/.test(id)) throw new DomainError('VALIDATION_FAILED', 'quarantine id must be a number', 'id');
    return this.inbound.replayQuarantined(id, `api:${caller.subject}`);
  }
}

function view(m: MessageRecord) {
  const { body: _body, signature: _sig, ...rest } = m;
  return rest;
}
