import { Test } from '@nestjs/testing';
import { Failpoints } from '@xietong/config';
import { generateSigningKey, importSigningKey, verifyDetached, type Signer, type SigningKey } from '@xietong/crypto';
import { HEADERS, RecordPublisher, TopicLimits, type PublishOutcome } from '@xietong/messaging';
import {
  AuditRepository,
  Database,
  MessageRepository,
  OutboxRepository,
  type AuditInput,
  type OutboxRecord,
} from '@xietong/persistence';
import type { EntityManager } from 'typeorm';
import { ExchangeMetrics } from '../exchange-metrics';
import { Logs, provideValue, RecordSigner } from '../tokens';
import { OutboxSignal } from './outbox-signal';
import { RelayService, RelaySettings } from './relay.service';

const now = new Date('2026-11-30T02:00:00Z');
const em = { transaction: 'of the tick' } as unknown as EntityManager;

const row = (i: number, topic = 'fed.inbox.330100'): OutboxRecord => ({
  id: String(i),
  messageId: `m-${i}`,
  topic,
  recordKey: `L-${i}`,
  value: Buffer.from(`record ${i}`),
  status: 'pending',
  attempts: 2,
  nextAttemptAt: now,
  lastError: null,
  createdAt: now,
  sentAt: null,
});

/** The relay's ports, in memory: the outbox holds `rows`, the broker answers `outcomes`. */
function ports(rows: OutboxRecord[], outcomes: PublishOutcome[]) {
  const audit: AuditInput[] = [];
  return {
    audit,
    lines: [] as string[],
    db: { transaction: jest.fn(async <T>(f: (m: EntityManager) => Promise<T>) => f(em)) },
    outbox: {
      claim: jest.fn(async () => rows),
      markSent: jest.fn(async () => undefined),
      markFailed: jest.fn(async () => undefined),
      defer: jest.fn(async () => undefined),
    },
    messages: { markSent: jest.fn(async () => undefined), markFailed: jest.fn(async () => undefined) },
    publisher: {
      publishBounded: jest.fn(async (records: unknown[], _limit: (topic: string) => Promise<number>) =>
        outcomes.slice(0, records.length),
      ),
    },
    auditRepo: { append: jest.fn(async (_em: EntityManager, inputs: AuditInput[]) => void audit.push(...inputs)) },
  };
}

describe('RelayService.tick', () => {
  let signer: Signer;
  let publicKey: SigningKey;
  beforeAll(async () => {
    const pair = await generateSigningKey('EdDSA', 'jd-1');
    signer = { kid: 'jd-1', alg: 'EdDSA', key: await importSigningKey(pair.privateJwk, 'EdDSA') };
    publicKey = await importSigningKey(pair.publicJwk, 'EdDSA');
  });

  async function relay(p: ReturnType<typeof ports>): Promise<RelayService> {
    const module = await Test.createTestingModule({
      providers: [
        RelayService,
        provideValue(Database, p.db as unknown as Database),
        provideValue(OutboxRepository, p.outbox as unknown as OutboxRepository),
        provideValue(MessageRepository, p.messages as unknown as MessageRepository),
        provideValue(RecordPublisher, p.publisher as unknown as RecordPublisher),
        provideValue(AuditRepository, p.auditRepo as unknown as AuditRepository),
        provideValue(RecordSigner, signer),
        provideValue(OutboxSignal, new OutboxSignal()),
        provideValue(RelaySettings, { batchSize: 50, pollMs: 20, idlePollMaxMs: 1000, maxBackoffMs: 60_000 }),
        provideValue(Failpoints, new Failpoints()),
        provideValue(ExchangeMetrics, new ExchangeMetrics()),
        provideValue(TopicLimits, new TopicLimits(undefined, { defaultMaxMessageBytes: 1_048_588 })),
        provideValue(Logs, (context) => (level, message) => p.lines.push(`${context} ${level}: ${message}`)),
      ],
    }).compile();
    return module.get(RelayService);
  }

  it('signs the exact bytes of each claimed row and marks sent only what the broker acknowledged', async () => {
    const rows = [row(1), row(2), row(3)];
    const p = ports(rows, [
      { kind: 'sent' },
      { kind: 'failed', code: 'RECORD_TOO_LARGE', reason: 'record is 2 MB, topic takes 1 MB' },
      { kind: 'retry', reason: 'no leader for partition 0' },
    ]);
    expect(await (await relay(p)).tick(now)).toBe(2);

    expect(p.outbox.claim).toHaveBeenCalledWith(em, 50, now);
    const [records, limit] = p.publisher.publishBounded.mock.calls[0] as unknown as [
      { topic: string; key: string; value: Buffer; headers: Record<string, string> }[],
      (topic: string) => Promise<number>,
    ];
    expect(records.map((r) => [r.topic, r.key, r.value])).toEqual(rows.map((r) => [r.topic, r.recordKey, r.value]));
    // verifyDetached throws unless the JWS signs exactly these bytes with the gateway's key.
    for (const [i, r] of records.entries())
      await verifyDetached(r.headers[HEADERS.signature], rows[i].value, publicKey, 'EdDSA');
    await expect(
      verifyDetached(records[0].headers[HEADERS.signature], rows[1].value, publicKey, 'EdDSA'),
    ).rejects.toThrow();
    await expect(limit('fed.inbox.330100')).resolves.toBe(1_048_588);

    expect(p.outbox.markSent).toHaveBeenCalledWith(em, ['1'], expect.any(Date));
    expect(p.messages.markSent).toHaveBeenCalledWith(
      em,
      [{ messageId: 'm-1', signature: records[0].headers[HEADERS.signature] }],
      expect.any(Date),
    );
    expect(p.outbox.markFailed).toHaveBeenCalledWith(em, [{ id: '2', reason: 'record is 2 MB, topic takes 1 MB' }]);
    expect(p.messages.markFailed).toHaveBeenCalledWith(em, [
      { messageId: 'm-2', reasonCode: 'RECORD_TOO_LARGE', reason: 'record is 2 MB, topic takes 1 MB' },
    ]);
    expect(p.outbox.defer).toHaveBeenCalledWith(em, [rows[2]], 'no leader for partition 0', now, 60_000);
    expect(p.audit.map((a) => [a.kind, a.messageId])).toEqual([
      ['PUBLISH_FAILED', 'm-2'],
      ['PUBLISHED', 'm-1'],
    ]);
    expect(p.lines).toEqual([
      expect.stringMatching(/^Relay error: publish of 1 outbox rows to fed\.inbox\.330100 failed \(attempt 3\)/),
      expect.stringMatching(/^Relay error: message m-2 to fed\.inbox\.330100 failed for good \(RECORD_TOO_LARGE\)/),
    ]);
  });

  it('records one PUBLISHED event per topic, listing its messages', async () => {
    const rows = [row(1, 'fed.inbox.330100'), row(2, 'fed.inbox.320100'), row(3, 'fed.inbox.330100')];
    const p = ports(rows, [{ kind: 'sent' }, { kind: 'sent' }, { kind: 'sent' }]);
    expect(await (await relay(p)).tick(now)).toBe(3);
    expect(p.audit).toEqual([
      expect.objectContaining({
        kind: 'PUBLISHED',
        actor: 'relay',
        messageId: null,
        detail: { topic: 'fed.inbox.330100', kid: 'jd-1', messages: ['m-1', 'm-3'] },
      }),
      expect.objectContaining({
        messageId: 'm-2',
        detail: { topic: 'fed.inbox.320100', kid: 'jd-1', messages: ['m-2'] },
      }),
    ]);
    expect(p.outbox.markFailed).not.toHaveBeenCalled();
    expect(p.outbox.defer).not.toHaveBeenCalled();
  });

  it('publishes nothing when the outbox is empty', async () => {
    const p = ports([], []);
    expect(await (await relay(p)).tick(now)).toBe(0);
    expect(p.publisher.publishBounded).not.toHaveBeenCalled();
    expect(p.auditRepo.append).not.toHaveBeenCalled();
  });

  it('leaves every row in the queue when the broker is unreachable for all of them', async () => {
    const rows = [row(1), row(2)];
    const p = ports(rows, [
      { kind: 'retry', reason: 'connect ECONNREFUSED' },
      { kind: 'retry', reason: 'connect ECONNREFUSED' },
    ]);
    expect(await (await relay(p)).tick(now)).toBe(0);
    expect(p.outbox.defer).toHaveBeenCalledWith(em, rows, 'connect ECONNREFUSED', now, 60_000);
    expect(p.outbox.markSent).not.toHaveBeenCalled();
    expect(p.audit).toEqual([]);
  });
});
