import { Injectable } from '@nestjs/common';
import { DomainError } from '@xietong/contracts';
import { ManifestStore } from '@xietong/federation';
import { BrokerStatus } from '@xietong/messaging';
import {
  AuditRepository,
  Database,
  MessageRepository,
  OutboxRepository,
  type PartnerActivity,
} from '@xietong/persistence';
import { OutboxSignal } from '../outbound/outbox-signal';
import { composeProtocolMessage } from '../protocol-message';
import { AgencyId } from '../tokens';
import { WireCodec } from '../wire-codec';
import { pingReport, type PingReport } from './ping-report';

/**
 * The connectivity check (`POST /api/v1/pings`, `xietong ping`): a signed PING through the normal
 * path (message row and outbox row in one transaction, the relay, the broker, the partner's inbound)
 * and back as the partner's normal receipt. {@link pingReport} says how far it got.
 */
@Injectable()
export class PingService {
  constructor(
    private readonly self: AgencyId,
    private readonly manifests: ManifestStore,
    private readonly codec: WireCodec,
    private readonly db: Database,
    private readonly messages: MessageRepository,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditRepository,
    private readonly broker: BrokerStatus,
    private readonly signal: OutboxSignal,
  ) {}

  /** Queues a ping to member `to`; UNKNOWN_RECIPIENT, NOT_IN_AGREEMENT or UNSUPPORTED_TYPE if it cannot go. */
  async send(to: string, requestedBy: string, now = new Date()): Promise<PingReport> {
    const federation = this.manifests.federation;
    if (to === this.self) throw new DomainError('VALIDATION_FAILED', 'a gateway does not ping itself', 'to');
    if (!federation.member(to))
      throw new DomainError(
        'UNKNOWN_RECIPIENT',
        `agency ${to} is not a member in manifest serial ${federation.serial}`,
        'to',
      );
    if (federation.agreementsFor(this.self, to, 'PING').length === 0)
      throw new DomainError('NOT_IN_AGREEMENT', `no agreement links ${this.self} and ${to}`, 'to');
    const ping = composeProtocolMessage(this.codec, federation, {
      type: 'PING',
      self: this.self,
      to,
      body: { requestedBy: requestedBy.slice(0, 200), sentAt: now.toISOString() },
      causationId: null,
      now,
    });
    if (!ping)
      throw new DomainError(
        'UNSUPPORTED_TYPE',
        `agency ${to} does not accept PING (manifest accepts): it cannot be pinged`,
        'to',
      );
    await this.db.transaction(async (em) => {
      await this.messages.insertMany(em, [ping.row]);
      await this.outbox.insertMany(em, [ping.outbox], now);
      await this.audit.append(em, [
        {
          kind: 'SUBMITTED',
          actor: requestedBy,
          messageId: ping.row.messageId,
          caseNo: ping.row.correlationId,
          partner: to,
          detail: { type: 'PING', zone: ping.row.zone },
          occurredAt: now,
        },
      ]);
    });
    this.signal.notify();
    return pingReport(ping.row, { status: 'pending', attempts: 0, lastError: null }, this.broker.up, 10_000, now);
  }

  /** How far ping `id` got; a ping older than `timeoutMs` without a receipt is stalled at the hop it waits on. */
  async status(id: string, timeoutMs: number, now = new Date()): Promise<PingReport> {
    const m = await this.messages.find(id);
    if (!m || m.type !== 'PING' || m.direction !== 'out')
      throw new DomainError('NOT_FOUND', `no ping ${id} sent from here`);
    const queue = m.status === 'pending' ? await this.outbox.findByMessageId(id) : null;
    return pingReport(m, queue, this.broker.up, timeoutMs, now);
  }

  /** Per partner of this agency: the last successful exchange and the last ping with its result. */
  async partners(timeoutMs: number, now = new Date()): Promise<PartnerStatus[]> {
    const federation = this.manifests.federation;
    const activity = new Map((await this.messages.partnerActivity('PING', ['RECEIPT'])).map((a) => [a.partner, a]));
    const partners = federation.manifest.members
      .map((m) => m.id)
      .filter((id) => id !== this.self && federation.agreementsFor(this.self, id, 'PING').length > 0);
    for (const id of activity.keys()) if (!partners.includes(id)) partners.push(id);
    return partners.sort().map((id) => ({
      partner: id,
      name: federation.member(id)?.name ?? null,
      lastExchangeAt: activity.get(id)?.lastExchangeAt?.toISOString() ?? null,
      lastPing: lastPing(activity.get(id), this.broker.up, timeoutMs, now),
    }));
  }
}

export interface PartnerStatus {
  partner: string;
  name: string | null;
  lastExchangeAt: string | null;
  lastPing: PingReport | null;
}

function lastPing(a: PartnerActivity | undefined, brokerUp: boolean, timeoutMs: number, now: Date): PingReport | null {
  return a?.lastPing ? pingReport({ ...a.lastPing, reason: null }, undefined, brokerUp, timeoutMs, now) : null;
}
