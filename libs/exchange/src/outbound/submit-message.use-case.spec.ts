import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { repoRoot } from '@xietong/config';
import { sampleLead } from '@xietong/contracts';
import { ManifestStore } from '@xietong/federation';
import { TopicLimits } from '@xietong/messaging';
import {
  AuditRepository,
  Database,
  MessageRepository,
  OutboxRepository,
  type AuditInput,
  type MessageRecord,
} from '@xietong/persistence';
import { DivisionCodes, JurisdictionRouter } from '@xietong/workflow';
import type { EntityManager } from 'typeorm';
import { CaseTracker, type CaseEvent } from '../cases/case-tracker';
import { AgencyId, provideValue } from '../tokens';
import { WireCodec } from '../wire-codec';
import { OutboxSignal } from './outbox-signal';
import { SubmitMessageCommand } from './submit-message.command';
import { SubmitMessageUseCase } from './submit-message.use-case';

const JD = '341825'; // this gateway
const HZ = '330100';
const em = { tx: 1 } as unknown as EntityManager;
const outside = { outside: 1 } as unknown as EntityManager;
const codec = new WireCodec(join(repoRoot(), 'schemas'));

/** The manifest in force as the use case reads it; `o` takes away one thing a submission needs. */
function federation(o: { member?: false; agreement?: false; accepts?: number[]; inCatalog?: false } = {}) {
  const versions = o.accepts ?? [1, 2];
  return {
    serial: 7,
    member: (id: string) => (o.member === false ? undefined : { id, inbox: `fed.inbox.${id}` }),
    requireMember: () => ({ accepts: { envelopes: [1, 2], messageTypes: { LEAD: versions } } }),
    agreementsFor: () => (o.agreement === false ? [] : [{ id: 'yrd' }]),
    accepts: () => ({ envelopes: [1, 2], versions }),
    catalog: { find: (fp: string) => (o.inCatalog === false ? undefined : { fingerprint: fp }) },
  };
}

/** The use case's ports in memory: a message table that may already hold rows, and the writes. */
function ports(o: { stored?: MessageRecord[]; racedBy?: (row: MessageRecord) => MessageRecord } = {}) {
  const table = new Map((o.stored ?? []).map((r) => [r.messageId, r]));
  const audit: AuditInput[] = [];
  return {
    table,
    audit,
    notified: 0,
    db: {
      transaction: jest.fn(async <T>(f: (m: EntityManager) => Promise<T>) => f(em)),
      outsideTransaction: jest.fn(async <T>(f: (m: EntityManager) => Promise<T>) => f(outside)),
    },
    messages: {
      submitted: jest.fn(async (_em: unknown, ids: string[]) => {
        const found = new Map<string, MessageRecord>();
        for (const id of ids) if (table.has(id)) found.set(id, table.get(id)!);
        return found;
      }),
      insertAbsent: jest.fn(async (_em: EntityManager, rows: MessageRecord[]) => {
        const inserted = new Set<string>();
        for (const r of rows) {
          // A concurrent request stores its row first.
          if (o.racedBy) table.set(r.messageId, o.racedBy(r));
          if (table.has(r.messageId)) continue;
          table.set(r.messageId, r);
          inserted.add(r.messageId);
        }
        return inserted;
      }),
    },
    outbox: { insertMany: jest.fn(async () => undefined) },
    cases: { apply: jest.fn(async (_em: EntityManager, _events: CaseEvent[]) => new Map()) },
    auditRepo: { append: jest.fn(async (_em: EntityManager, inputs: AuditInput[]) => void audit.push(...inputs)) },
  };
}

async function useCase(
  p: ReturnType<typeof ports>,
  f = federation(),
  maxMessageBytes = 1_048_588,
): Promise<SubmitMessageUseCase> {
  const signal = new OutboxSignal();
  jest.spyOn(signal, 'notify').mockImplementation(() => void p.notified++);
  const module = await Test.createTestingModule({
    providers: [
      SubmitMessageUseCase,
      provideValue(AgencyId, JD),
      provideValue(ManifestStore, { federation: f } as unknown as ManifestStore),
      provideValue(WireCodec, codec),
      provideValue(Database, p.db as unknown as Database),
      provideValue(MessageRepository, p.messages as unknown as MessageRepository),
      provideValue(OutboxRepository, p.outbox as unknown as OutboxRepository),
      provideValue(OutboxSignal, signal),
      provideValue(JurisdictionRouter, JurisdictionRouter.load()),
      provideValue(CaseTracker, p.cases as unknown as CaseTracker),
      provideValue(DivisionCodes, DivisionCodes.load()),
      provideValue(AuditRepository, p.auditRepo as unknown as AuditRepository),
      provideValue(TopicLimits, new TopicLimits(undefined, { defaultMaxMessageBytes: maxMessageBytes })),
    ],
  }).compile();
  return module.get(SubmitMessageUseCase);
}

const lead = (leadNo: string, messageId?: string, body = sampleLead(leadNo)) =>
  SubmitMessageCommand.from('LEAD', { recipient: HZ, body, messageId });

describe('SubmitMessageUseCase', () => {
  it('writes the message, its outbox row, its case event and a SUBMITTED event, then wakes the relay', async () => {
    const p = ports();
    const [result] = await (await useCase(p)).executeMany([lead('L-1')], undefined, 'county-system');

    expect(result).toMatchObject({
      status: 'pending',
      recipient: HZ,
      zone: 'yrd',
      correlationId: 'L-1',
      created: true,
    });
    const row = p.table.get(result.messageId)!;
    expect(row).toMatchObject({ direction: 'out', type: 'LEAD', sender: JD, manifestSerial: 7 });
    expect(row.requestDigest).toBe(lead('L-1').digest);
    const decoded = codec.envelope.decode(row.record!);
    expect(decoded).toMatchObject({ messageId: result.messageId, sender: JD, recipient: HZ, zone: 'yrd' });
    expect(p.outbox.insertMany).toHaveBeenCalledWith(
      em,
      [{ messageId: result.messageId, topic: `fed.inbox.${HZ}`, recordKey: 'L-1', value: row.record }],
      expect.any(Date),
    );
    const [, events, , strict] = p.cases.apply.mock.calls[0] as unknown as [EntityManager, CaseEvent[], Date, boolean];
    expect(strict).toBe(true);
    expect(events).toEqual([
      expect.objectContaining({ direction: 'out', type: 'LEAD', partner: HZ, correlationId: 'L-1' }),
    ]);
    expect(p.audit).toEqual([expect.objectContaining({ kind: 'SUBMITTED', actor: 'county-system', partner: HZ })]);
    expect(p.notified).toBe(1);
  });

  it.each([
    ['an agency outside the federation', { member: false } as const, 'UNKNOWN_RECIPIENT', /not a member/],
    ['no agreement', { agreement: false } as const, 'NOT_IN_AGREEMENT', /no agreement lets 341825 send LEAD/],
    ['a recipient that declares no LEAD', { accepts: [] }, 'UNSUPPORTED_TYPE', /does not accept LEAD/],
    [
      'a schema not in the signed catalog',
      { inCatalog: false } as const,
      'UNKNOWN_SCHEMA',
      /not in the signed catalog/,
    ],
  ])('refuses %s (%s) and writes nothing', async (_what, broken, code, message) => {
    const p = ports();
    const submitting = (await useCase(p, federation(broken))).execute(lead('L-1'));
    await expect(submitting).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(p.db.transaction).not.toHaveBeenCalled();
    expect(p.notified).toBe(0);
  });

  it('refuses a record the partner inbox could never take, naming the limit', async () => {
    const p = ports();
    await expect((await useCase(p, federation(), 1_000)).execute(lead('L-1'))).rejects.toMatchObject({
      code: 'RECORD_TOO_LARGE',
      message: expect.stringMatching(/topic fed\.inbox\.330100 accepts at most 1000 bytes/),
    });
  });

  it('refuses a message to itself', async () => {
    const cmd = SubmitMessageCommand.from('LEAD', { recipient: JD, body: sampleLead('L-1') });
    await expect((await useCase(ports())).execute(cmd)).rejects.toMatchObject({ code: 'UNKNOWN_RECIPIENT' });
  });

  it('writes nothing when the case lifecycle refuses the message', async () => {
    const p = ports();
    p.cases.apply.mockRejectedValue(
      Object.assign(new Error('lead L-1 is already RECEIVED'), { code: 'ILLEGAL_TRANSITION' }),
    );
    await expect((await useCase(p)).execute(lead('L-1'))).rejects.toThrow(/already RECEIVED/);
    expect(p.outbox.insertMany).not.toHaveBeenCalled();
    expect(p.notified).toBe(0);
  });

  it('answers a retry from the stored message without a transaction', async () => {
    const p = ports();
    const id = '6f1c1f2e-0b7a-4d1e-9a57-4a0c1e0b7a11';
    const uc = await useCase(p);
    const first = await uc.execute(lead('L-1', id));
    p.db.transaction.mockClear();
    const again = await uc.execute(lead('L-1', id));
    expect(again).toEqual({ ...first, created: false, warnings: [] });
    expect(p.db.transaction).not.toHaveBeenCalled();
    expect(p.messages.submitted).toHaveBeenLastCalledWith(outside, [id]);
  });

  it('answers created:false and writes nothing more when a concurrent request stored the id first', async () => {
    const p = ports({ racedBy: (row) => ({ ...row, status: 'sent' }) });
    const id = '6f1c1f2e-0b7a-4d1e-9a57-4a0c1e0b7a12';
    const [result] = await (await useCase(p)).executeMany([lead('L-1', id)]);
    expect(result).toMatchObject({ messageId: id, status: 'sent', created: false });
    expect(p.cases.apply).not.toHaveBeenCalled();
    expect(p.outbox.insertMany).not.toHaveBeenCalled();
    expect(p.audit).toEqual([]);
    expect(p.notified).toBe(0);
  });

  it('refuses with MESSAGE_ID_CONFLICT when the concurrent request was another message', async () => {
    const p = ports({ racedBy: (row) => ({ ...row, requestDigest: 'another request' }) });
    const id = '6f1c1f2e-0b7a-4d1e-9a57-4a0c1e0b7a13';
    await expect((await useCase(p)).execute(lead('L-1', id))).rejects.toMatchObject({ code: 'MESSAGE_ID_CONFLICT' });
  });
});
