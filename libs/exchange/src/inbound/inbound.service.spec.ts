import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { Failpoints, repoRoot } from '@xietong/config';
import { sampleLead, type Envelope } from '@xietong/contracts';
import { ManifestStore } from '@xietong/federation';
import { HEADERS, RecordPublisher, type InboundRecord } from '@xietong/messaging';
import {
  AuditRepository,
  Database,
  MessageRepository,
  OutboxRepository,
  QuarantineRepository,
  type AuditInput,
  type ReceiptUpdate,
} from '@xietong/persistence';
import type { EntityManager } from 'typeorm';
import { CaseTracker } from '../cases/case-tracker';
import { ExchangeMetrics } from '../exchange-metrics';
import { OutboxSignal } from '../outbound/outbox-signal';
import { AgencyId, Logs, provideValue } from '../tokens';
import { WireCodec } from '../wire-codec';
import { InboundService } from './inbound.service';
import { RecordVerifier } from './record-verifier';
import type { VerificationResult } from './verification-result';

const HZ = '330100'; // this gateway
const JD = '341825';
const em = { tx: 1 } as unknown as EntityManager;
const codec = new WireCodec(join(repoRoot(), 'schemas'));

let offset = 0;
const record = (): InboundRecord => ({
  topic: `fed.inbox.${HZ}`,
  partition: 0,
  offset: String(++offset),
  key: Buffer.from('k'),
  value: Buffer.from(`value ${offset}`),
  headers: { [HEADERS.signature]: Buffer.from('jws') },
});
const envelope = (type: Envelope['type'], over: Partial<Envelope> = {}): Envelope => ({
  messageId: randomUUID(),
  type,
  sender: JD,
  recipient: HZ,
  zone: 'yrd',
  correlationId: 'L-1',
  causationId: null,
  createdAt: '2026-11-30T01:00:00Z',
  bodySchema: Buffer.alloc(32),
  body: Buffer.alloc(0),
  ...over,
});

/** Every port of the inbound service, in memory; `order` lists the writes as they happen. */
function ports(results: VerificationResult[], o: { applied?: string[]; publishFails?: boolean } = {}) {
  const order: string[] = [];
  const write =
    <T>(name: string, value: T) =>
    async (..._args: unknown[]) => {
      order.push(name);
      return value;
    };
  const audit: AuditInput[] = [];
  return {
    order,
    audit,
    lines: [] as string[],
    notified: 0,
    metrics: new ExchangeMetrics(),
    federation: {
      serial: 7,
      deadLetterTopic: (id: string) => `fed.dlq.${id}`,
      agreementsFor: () => [{ id: 'yrd' }],
      member: (id: string) => ({ id, inbox: `fed.inbox.${id}` }),
      accepts: () => ({ envelopes: [1, 2], versions: [1] }),
    },
    verifier: { verify: jest.fn(async (r: InboundRecord) => results.find((x) => x.record === r)!) },
    db: { transaction: jest.fn(async <T>(f: (m: EntityManager) => Promise<T>) => f(em)) },
    messages: {
      existing: jest.fn(async () => new Map<string, string | null>()),
      insertMany: jest.fn(write('messages.insertMany', undefined)),
      applyReceipts: jest.fn(async (_em: EntityManager, updates: ReceiptUpdate[]) => {
        order.push('messages.applyReceipts');
        return new Set(updates.map((u) => u.messageId).filter((id) => o.applied?.includes(id)));
      }),
      findHeaders: jest.fn(async (_em: EntityManager, ids: string[]) =>
        ids.map((messageId) => ({ messageId, type: 'LEAD', recipient: JD, correlationId: `L-${messageId}` })),
      ),
    },
    outbox: { insertMany: jest.fn(write('outbox.insertMany', undefined)) },
    quarantine: {
      quarantinedPositions: jest.fn(async () => new Set<string>()),
      insertMany: jest.fn(async (_em: EntityManager, rows: unknown[]) => {
        order.push('quarantine.insertMany');
        return rows.map((_, i) => `q-${i + 1}`);
      }),
      markDeadLettered: jest.fn(async () => undefined),
    },
    publisher: {
      publish: jest.fn(async () => {
        if (o.publishFails) throw new Error('broker unreachable');
      }),
    },
    cases: {
      plan: jest.fn(async () => ({ changed: [], refused: new Map() })),
      save: jest.fn(write('cases.save', undefined)),
      delivered: jest.fn(write('cases.delivered', undefined)),
    },
    auditRepo: {
      append: jest.fn(async (_em: EntityManager, inputs: AuditInput[]) => {
        order.push('audit.append');
        audit.push(...inputs);
      }),
    },
  };
}

async function service(p: ReturnType<typeof ports>): Promise<InboundService> {
  const signal = new OutboxSignal();
  jest.spyOn(signal, 'notify').mockImplementation(() => void p.notified++);
  const module = await Test.createTestingModule({
    providers: [
      InboundService,
      provideValue(AgencyId, HZ),
      provideValue(ManifestStore, { federation: p.federation, lastKnown: p.federation } as unknown as ManifestStore),
      provideValue(RecordVerifier, p.verifier as unknown as RecordVerifier),
      provideValue(WireCodec, codec),
      provideValue(Database, p.db as unknown as Database),
      provideValue(MessageRepository, p.messages as unknown as MessageRepository),
      provideValue(OutboxRepository, p.outbox as unknown as OutboxRepository),
      provideValue(QuarantineRepository, p.quarantine as unknown as QuarantineRepository),
      provideValue(RecordPublisher, p.publisher as unknown as RecordPublisher),
      provideValue(OutboxSignal, signal),
      provideValue(CaseTracker, p.cases as unknown as CaseTracker),
      provideValue(AuditRepository, p.auditRepo as unknown as AuditRepository),
      provideValue(Failpoints, new Failpoints()),
      provideValue(ExchangeMetrics, p.metrics),
      provideValue(Logs, (context) => (level, message) => p.lines.push(`${context} ${level}: ${message}`)),
    ],
  }).compile();
  return module.get(InboundService);
}

describe('InboundService.handleBatch', () => {
  it('writes the plan in one transaction, in order, then wakes the relay for the receipt', async () => {
    const lead = { ok: true as const, record: record(), envelope: envelope('LEAD'), body: sampleLead('L-1') };
    const results: VerificationResult[] = [{ ...lead, signature: 'h.e.s', kid: 'jd-1' }];
    const p = ports(results);
    const outcome = await (await service(p)).handleBatch(results.map((r) => r.record));

    expect(outcome).toEqual({ accepted: 1, receipts: 1, quarantined: 0, redelivered: 0 });
    expect(p.db.transaction).toHaveBeenCalledTimes(1);
    expect(p.order).toEqual([
      'cases.save',
      'messages.insertMany',
      'messages.applyReceipts',
      'cases.delivered',
      'outbox.insertMany',
      'quarantine.insertMany',
      'audit.append',
    ]);
    const [, rows] = p.messages.insertMany.mock.calls[0] as unknown as [EntityManager, { type: string }[]];
    expect(rows.map((r) => r.type)).toEqual(['LEAD', 'RECEIPT']);
    expect(p.audit.map((a) => a.kind)).toEqual(['RECEIVED', 'RECEIPT_SENT']);
    const delivered = (await p.metrics.delivery.get()).values.find(
      (v) => v.metricName === 'xietong_delivery_latency_seconds_count',
    );
    expect(delivered).toMatchObject({ labels: { type: 'LEAD' }, value: 1 });
    expect(p.notified).toBe(1);
    expect(p.publisher.publish).not.toHaveBeenCalled();
  });

  it('copies quarantined records to the dead-letter topic with their reason, and marks them', async () => {
    const results: VerificationResult[] = [
      { ok: false, record: record(), code: 'UNKNOWN_KEY', detail: 'no key jd-9', envelope: envelope('LEAD') },
    ];
    const p = ports(results);
    const outcome = await (await service(p)).handleBatch(results.map((r) => r.record));

    expect(outcome).toMatchObject({ accepted: 0, quarantined: 1, receipts: 1 });
    const [[copies]] = p.publisher.publish.mock.calls as unknown as [
      { topic: string; key: string; value: Buffer; headers: Record<string, Buffer | string> }[],
    ][];
    expect(copies).toEqual([
      {
        topic: `fed.dlq.${HZ}`,
        key: 'k',
        value: results[0].record.value,
        headers: {
          [HEADERS.signature]: Buffer.from('jws'),
          [HEADERS.reason]: 'UNKNOWN_KEY',
          [HEADERS.reasonDetail]: 'no key jd-9',
        },
      },
    ]);
    expect(p.quarantine.markDeadLettered).toHaveBeenCalledWith(['q-1']);
    expect(p.lines).toContain(
      `Inbound warn: quarantined fed.inbox.${HZ}[0]@${results[0].record.offset}: UNKNOWN_KEY no key jd-9`,
    );
  });

  it('keeps a quarantined record unmarked when the dead-letter copy fails, without failing the batch', async () => {
    const results: VerificationResult[] = [{ ok: false, record: record(), code: 'MALFORMED', detail: 'garbage' }];
    const p = ports(results, { publishFails: true });
    const outcome = await (await service(p)).handleBatch(results.map((r) => r.record));

    expect(outcome).toMatchObject({ quarantined: 1, receipts: 0 });
    expect(p.quarantine.markDeadLettered).not.toHaveBeenCalled();
    expect(p.lines.at(-1)).toMatch(
      /^Inbound error: dead-letter publish of 1 quarantined records failed.*broker unreachable$/,
    );
    expect(p.notified).toBe(0);
  });

  it("starts the transferor's clocks from the receipts that matched, and warns about the others", async () => {
    const [matched, stray] = [randomUUID(), randomUUID()];
    const receipt: VerificationResult = {
      ok: true,
      record: record(),
      envelope: envelope('RECEIPT'),
      body: {
        receivedAt: '2026-11-29T09:00:00.000Z',
        items: [
          { messageId: matched, status: 'ACCEPTED', reasonCode: null, reason: null },
          { messageId: stray, status: 'ACCEPTED', reasonCode: null, reason: null },
        ],
      },
      signature: 'h.e.s',
      kid: 'jd-1',
    };
    const p = ports([receipt], { applied: [matched] });
    await (await service(p)).handleBatch([receipt.record]);

    expect(p.messages.findHeaders).toHaveBeenCalledWith(em, [matched]);
    expect(p.cases.delivered).toHaveBeenCalledWith(
      em,
      [{ type: 'LEAD', partner: JD, correlationId: `L-${matched}`, receivedAt: new Date('2026-11-29T09:00:00.000Z') }],
      expect.any(Date),
    );
    expect(p.lines).toEqual([
      `Inbound warn: receipt ${receipt.envelope.messageId} from ${JD} for ${stray} matched no open outbound message ` +
        '(already receipted, or never sent by this agency)',
    ]);
    expect(p.notified).toBe(0);
  });

  it('counts and logs records the broker delivered again', async () => {
    const lead = { ok: true as const, record: record(), envelope: envelope('LEAD'), body: sampleLead('L-1') };
    const results: VerificationResult[] = [{ ...lead, signature: 'h.e.s', kid: 'jd-1' }];
    const p = ports(results);
    p.messages.existing.mockResolvedValue(
      new Map([[lead.envelope.messageId, `fed.inbox.${HZ}/0/${lead.record.offset}`]]),
    );
    const inbound = await service(p);
    expect(await inbound.handleBatch([lead.record])).toEqual({
      accepted: 0,
      receipts: 0,
      quarantined: 0,
      redelivered: 1,
    });
    expect(inbound.redelivered).toBe(1);
    expect(p.lines[0]).toMatch(/^Inbound log: skipped 1 records the broker delivered again/);
  });
});
