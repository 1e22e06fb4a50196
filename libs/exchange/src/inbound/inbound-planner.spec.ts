import { randomUUID } from 'node:crypto';
import {
  DomainError,
  sampleErasureNotice,
  sampleFeedback,
  sampleLead,
  samplePing,
  type Envelope,
  type ErrorCode,
} from '@xietong/contracts';
import type { InboundRecord } from '@xietong/messaging';
import { caseKey, type CaseRecord, type CaseRepository } from '@xietong/persistence';
import { DivisionCodes, TimeLimits, WorkingDayCalendar } from '@xietong/workflow';
import type { EntityManager } from 'typeorm';
import type { WitnessStep } from '../audit/checkpoint-witnessing';
import { CaseTracker, type CaseEvent, type CasePlan } from '../cases/case-tracker';
import { outboundRow, recordPosition } from '../message-rows';
import { PING_RATE } from '../control/control-steps';
import { planInbound, type InboundLookups } from './inbound-planner';
import type { ReceiptItem } from './receipt-composer';
import type { RefusedRecord, VerifiedMessage } from './verification-result';

const HZ = '330100'; // this gateway
const JD = '341825';
const NJ = '320100';
const now = new Date('2026-11-30T02:00:00Z');
const at = { manifestSerial: 7, now };

let offset = 100;
const record = (): InboundRecord => ({
  topic: `fed.inbox.${HZ}`,
  partition: 0,
  offset: String(offset++),
  key: Buffer.from('L-1'),
  value: Buffer.from(`record ${offset}`),
  headers: { 'xietong-signature': Buffer.from('jws') },
});
const envelope = (type: Envelope['type'], over: Partial<Envelope> = {}): Envelope => ({
  messageId: randomUUID(),
  type,
  sender: JD,
  recipient: HZ,
  zone: 'yrd',
  correlationId: 'L-1',
  causationId: null,
  createdAt: '2026-11-30T01:59:00Z',
  bodySchema: Buffer.alloc(32),
  body: Buffer.alloc(0),
  ...over,
});
/** A compact detached JWS whose header names `kid`. */
const jws = (kid: string) => `${Buffer.from(JSON.stringify({ alg: 'EdDSA', kid })).toString('base64url')}..c2ln`;
const verified = (e: Envelope, body: Record<string, unknown> = sampleLead(e.correlationId)): VerifiedMessage => ({
  ok: true,
  record: record(),
  envelope: e,
  body,
  signature: jws(`${e.sender}-1`),
  kid: `${e.sender}-1`,
});
const refused = (code: ErrorCode, detail: string, e?: Envelope): RefusedRecord => ({
  ok: false,
  record: record(),
  code,
  detail,
  envelope: e,
});

/** The planner's ports, answered from memory; every call is recorded. */
function lookups(
  o: {
    stored?: Map<string, string | null>;
    cases?: (events: CaseEvent[]) => Promise<CasePlan>;
    quarantined?: Set<string>;
    unanswerable?: string[];
    pings?: Map<string, number>;
  } = {},
) {
  const receiptTo = (to: string, items: ReceiptItem[]) => {
    const body = {
      items: items.map((i) => ({
        messageId: i.messageId,
        status: i.status,
        reasonCode: i.status === 'REJECTED' ? i.code : null,
        reason: i.status === 'REJECTED' ? i.detail : null,
      })),
      receivedAt: now.toISOString(),
    };
    const e = envelope('RECEIPT', { sender: HZ, recipient: to });
    return {
      row: outboundRow(e, body, 7, Buffer.from('receipt')),
      outbox: { messageId: e.messageId, topic: `fed.inbox.${to}`, recordKey: e.messageId, value: Buffer.from('r') },
    };
  };
  return {
    storedPositions: jest.fn(async (ids: string[]) => {
      const found = new Map<string, string | null>();
      for (const id of ids) if (o.stored?.has(id)) found.set(id, o.stored.get(id)!);
      return found;
    }),
    planCases: jest.fn(o.cases ?? (async (): Promise<CasePlan> => ({ changed: [], refused: new Map() }))),
    quarantinedPositions: jest.fn(async () => o.quarantined ?? new Set<string>()),
    pingsSince: jest.fn(async (_senders: string[], _since: Date) => new Map(o.pings ?? [])),
    composeReceipt: jest.fn((to: string, items: ReceiptItem[]) =>
      o.unanswerable?.includes(to) ? undefined : receiptTo(to, items),
    ),
  } satisfies InboundLookups;
}

const itemsTo = (ports: ReturnType<typeof lookups>, to: string) =>
  ports.composeReceipt.mock.calls.filter(([t]) => t === to).flatMap(([, items]) => items);

describe('inbound planner', () => {
  it('stores a verified lead, answers its sender ACCEPTED and audits both', async () => {
    const lead = verified(envelope('LEAD'));
    const ports = lookups();
    const plan = await planInbound([lead], ports, at);

    expect(plan.rows).toHaveLength(2);
    expect(plan.rows[0]).toMatchObject({
      messageId: lead.envelope.messageId,
      direction: 'in',
      status: 'accepted',
      manifestSerial: 7,
      receivedAt: now,
      record: lead.record.value,
      recordPosition: recordPosition(lead.record),
    });
    expect(plan.rows[1]).toMatchObject({ direction: 'out', type: 'RECEIPT', recipient: JD });
    expect(plan.outbox).toHaveLength(1);
    expect(itemsTo(ports, JD)).toEqual([{ messageId: lead.envelope.messageId, status: 'ACCEPTED' }]);
    expect(plan.audit.map((a) => a.kind)).toEqual(['RECEIVED', 'RECEIPT_SENT']);
    expect(plan.audit[0]).toMatchObject({ partner: JD, caseNo: 'L-1', detail: { type: 'LEAD', kid: `${JD}-1` } });
    expect(plan.audit[1].detail).toEqual({ items: 1, accepted: 1, rejected: [] });
    expect(plan).toMatchObject({ accepted: 1, redelivered: 0, quarantine: [] });
    // The lead is the one event the lifecycle sees.
    expect(ports.planCases).toHaveBeenCalledWith([
      expect.objectContaining({ messageId: lead.envelope.messageId, direction: 'in', type: 'LEAD', partner: JD }),
    ]);
  });

  it('answers each sender with one receipt for the whole batch', async () => {
    const fromJd = [1, 2, 3].map((i) => verified(envelope('LEAD', { correlationId: `L-${i}` })));
    const fromNj = verified(envelope('LEAD', { sender: NJ, correlationId: 'L-9' }));
    const ports = lookups();
    const plan = await planInbound([...fromJd, fromNj], ports, at);

    expect(ports.composeReceipt).toHaveBeenCalledTimes(2);
    expect(itemsTo(ports, JD).map((i) => i.messageId)).toEqual(fromJd.map((v) => v.envelope.messageId));
    expect(itemsTo(ports, NJ).map((i) => i.messageId)).toEqual([fromNj.envelope.messageId]);
    expect(plan.outbox).toHaveLength(2);
    expect(plan.accepted).toBe(4);
  });

  it('stores a message sent twice within one batch once; the second copy is a REPLAY, not answered', async () => {
    const e = envelope('LEAD');
    const first = verified(e);
    const second = verified(e);
    const ports = lookups();
    const plan = await planInbound([first, second], ports, at);

    expect(plan.rows.filter((r) => r.direction === 'in')).toHaveLength(1);
    expect(plan.quarantine).toHaveLength(1);
    expect(plan.quarantine[0].row).toMatchObject({
      reasonCode: 'REPLAY',
      reason: `message ${e.messageId} was already received`,
      offset: second.record.offset,
      messageId: e.messageId,
    });
    expect(itemsTo(ports, JD)).toEqual([{ messageId: e.messageId, status: 'ACCEPTED' }]);
    expect(plan.audit.map((a) => a.kind)).toEqual(['RECEIVED', 'RECEIPT_SENT', 'QUARANTINED']);
  });

  it('skips a record the broker delivered again from the same position: no row, no answer, no quarantine', async () => {
    const again = verified(envelope('LEAD'));
    const ports = lookups({ stored: new Map([[again.envelope.messageId, recordPosition(again.record)]]) });
    const plan = await planInbound([again], ports, at);

    expect(plan).toMatchObject({ rows: [], outbox: [], quarantine: [], audit: [], accepted: 0, redelivered: 1 });
    expect(ports.planCases).toHaveBeenCalledWith([]);
    expect(ports.composeReceipt).not.toHaveBeenCalled();
  });

  it('quarantines a stored message read again at another position as a REPLAY', async () => {
    const copy = verified(envelope('LEAD'));
    const ports = lookups({ stored: new Map([[copy.envelope.messageId, `fed.inbox.${HZ}/0/1`]]) });
    const plan = await planInbound([copy], ports, at);

    expect(plan.quarantine.map((q) => q.row.reasonCode)).toEqual(['REPLAY']);
    expect(plan.rows).toEqual([]);
    expect(ports.composeReceipt).not.toHaveBeenCalled();
  });

  it('quarantines refused records whole and answers an identifiable sender REJECTED with the code', async () => {
    const unknownKey = refused('UNKNOWN_KEY', 'agency 341825 has no key jd-9', envelope('LEAD'));
    const badSignature = refused('SIGNATURE_INVALID', 'signature does not verify', envelope('LEAD'));
    const unknownSchema = refused('UNKNOWN_SCHEMA', 'body schema ab12 is not in the catalog', envelope('LEAD'));
    const unreadable = refused('MALFORMED', 'unreadable record: truncated');
    const ports = lookups();
    const plan = await planInbound([unknownKey, badSignature, unknownSchema, unreadable], ports, at);

    expect(plan.quarantine.map((q) => q.row.reasonCode)).toEqual([
      'UNKNOWN_KEY',
      'SIGNATURE_INVALID',
      'UNKNOWN_SCHEMA',
      'MALFORMED',
    ]);
    expect(plan.quarantine[0].row).toMatchObject({
      reason: 'agency 341825 has no key jd-9',
      topic: unknownKey.record.topic,
      offset: unknownKey.record.offset,
      recordKey: 'L-1',
      value: unknownKey.record.value,
      headers: JSON.stringify({ 'xietong-signature': Buffer.from('jws').toString('base64') }),
      claimedSender: JD,
      type: 'LEAD',
      deadLettered: false,
    });
    expect(plan.quarantine[3].row).toMatchObject({ messageId: null, claimedSender: null, type: null });
    // The record without a readable envelope has nobody to answer.
    expect(ports.composeReceipt).toHaveBeenCalledTimes(1);
    expect(itemsTo(ports, JD)).toEqual([
      { messageId: unknownKey.envelope!.messageId, status: 'REJECTED', code: 'UNKNOWN_KEY', detail: unknownKey.detail },
      {
        messageId: badSignature.envelope!.messageId,
        status: 'REJECTED',
        code: 'SIGNATURE_INVALID',
        detail: badSignature.detail,
      },
      {
        messageId: unknownSchema.envelope!.messageId,
        status: 'REJECTED',
        code: 'UNKNOWN_SCHEMA',
        detail: unknownSchema.detail,
      },
    ]);
    expect(plan.audit.filter((a) => a.kind === 'QUARANTINED')).toHaveLength(4);
    expect(plan.audit.at(-1)).toMatchObject({ messageId: null, partner: null, detail: { reason: 'MALFORMED' } });
    expect(plan.accepted).toBe(0);
  });

  it('never answers a refused receipt (no receipt for a receipt)', async () => {
    const ports = lookups();
    const plan = await planInbound([refused('SIGNATURE_INVALID', 'bad', envelope('RECEIPT'))], ports, at);
    expect(plan.quarantine).toHaveLength(1);
    expect(ports.composeReceipt).not.toHaveBeenCalled();
  });

  it('neither records nor answers again what was quarantined before from the same position', async () => {
    const before = refused('UNKNOWN_KEY', 'no key', envelope('LEAD'));
    const ports = lookups({ quarantined: new Set([recordPosition(before.record)]) });
    const plan = await planInbound([before], ports, at);

    expect(ports.quarantinedPositions).toHaveBeenCalledWith([before.record]);
    expect(plan).toMatchObject({ quarantine: [], audit: [], redelivered: 1 });
    expect(ports.composeReceipt).not.toHaveBeenCalled();
  });

  it('does not look up earlier quarantines when nothing is refused', async () => {
    const ports = lookups();
    await planInbound([verified(envelope('LEAD'))], ports, at);
    expect(ports.quarantinedPositions).not.toHaveBeenCalled();
  });

  it("turns a partner's receipt into status updates and delivery dates, without answering it", async () => {
    const [accepted, rejected] = [randomUUID(), randomUUID()];
    const receipt = verified(envelope('RECEIPT'), {
      receivedAt: '2026-11-29T09:00:00.000Z',
      items: [
        { messageId: accepted, status: 'ACCEPTED', reasonCode: null, reason: null },
        { messageId: rejected, status: 'REJECTED', reasonCode: 'VALIDATION_FAILED', reason: 'field body.x' },
      ],
    });
    const ports = lookups();
    const plan = await planInbound([receipt], ports, at);

    expect(plan.receiptUpdates).toEqual([
      {
        receiptId: receipt.envelope.messageId,
        messageId: accepted,
        sender: JD,
        status: 'accepted',
        reasonCode: null,
        reason: null,
      },
      {
        receiptId: receipt.envelope.messageId,
        messageId: rejected,
        sender: JD,
        status: 'rejected',
        reasonCode: 'VALIDATION_FAILED',
        reason: 'field body.x',
      },
    ]);
    expect([...plan.deliveredAt]).toEqual([[accepted, new Date('2026-11-29T09:00:00.000Z')]]);
    expect(plan.rows.map((r) => r.type)).toEqual(['RECEIPT']);
    expect(plan.audit.map((a) => a.kind)).toEqual(['RECEIPT_RECEIVED']);
    expect(ports.planCases).toHaveBeenCalledWith([]);
    expect(ports.composeReceipt).not.toHaveBeenCalled();
  });

  it('refuses whole a message the case lifecycle refuses, and keeps the case files it changes', async () => {
    const lead = verified(envelope('LEAD', { correlationId: 'L-2' }));
    const result = verified(envelope('CASE_RESULT', { correlationId: 'L-3' }), sampleFeedback('L-3', 'C-3'));
    const opened = { kind: 'LEAD', caseNo: 'L-2', partner: JD, state: 'RECEIVED' } as CaseRecord;
    const ports = lookups({
      cases: async () => ({
        changed: [opened],
        refused: new Map([[result.envelope.messageId, new DomainError('UNKNOWN_CASE', 'no lead L-3')]]),
      }),
    });
    const plan = await planInbound([lead, result], ports, at);

    expect(plan.cases).toEqual([opened]);
    expect(plan.rows.filter((r) => r.direction === 'in').map((r) => r.messageId)).toEqual([lead.envelope.messageId]);
    expect(plan.quarantine.map((q) => [q.row.messageId, q.row.reasonCode, q.row.reason])).toEqual([
      [result.envelope.messageId, 'UNKNOWN_CASE', 'no lead L-3'],
    ]);
    expect(itemsTo(ports, JD)).toEqual([
      { messageId: lead.envelope.messageId, status: 'ACCEPTED' },
      { messageId: result.envelope.messageId, status: 'REJECTED', code: 'UNKNOWN_CASE', detail: 'no lead L-3' },
    ]);
  });

  it('sends no receipt to a sender it cannot answer (no agreement), and still stores the message', async () => {
    const ports = lookups({ unanswerable: [JD] });
    const plan = await planInbound([verified(envelope('LEAD'))], ports, at);
    expect(plan.rows.map((r) => r.direction)).toEqual(['in']);
    expect(plan.outbox).toEqual([]);
    expect(plan.accepted).toBe(1);
  });

  it('hands a witness message to the witnessing and never answers it with a receipt', async () => {
    const checkpoint = verified(envelope('AUDIT_CHECKPOINT', { correlationId: `AUDIT-${JD}-12` }), { seq: 12 });
    const countersign = verified(envelope('AUDIT_COUNTERSIGN', { correlationId: `AUDIT-${HZ}-3` }), { seq: 3 });
    const step = { ok: true as const, message: checkpoint, witnessed: { seq: 12 } as never };
    const ports = lookups();
    const plan = await planInbound([checkpoint, countersign], ports, {
      ...at,
      witnessing: new Map<string, WitnessStep>([
        [checkpoint.envelope.messageId, step],
        [
          countersign.envelope.messageId,
          { ok: false, code: 'CHECKPOINT_CONFLICT', detail: 'seq 3 was witnessed as 0f..' },
        ],
      ]),
    });

    expect(plan.witnessed).toEqual([step]);
    expect(plan.accepted).toBe(1);
    // Witness messages are stored by the witnessing, not as plain rows.
    expect(plan.rows).toEqual([]);
    expect(plan.quarantine.map((q) => [q.row.messageId, q.row.reasonCode])).toEqual([
      [countersign.envelope.messageId, 'CHECKPOINT_CONFLICT'],
    ]);
    expect(ports.composeReceipt).not.toHaveBeenCalled();
  });

  it('quarantines a witness message as UNSUPPORTED_TYPE when this gateway does not witness', async () => {
    const checkpoint = verified(envelope('AUDIT_CHECKPOINT', { correlationId: `AUDIT-${JD}-12` }), { seq: 12 });
    const ports = lookups();
    const plan = await planInbound([checkpoint], ports, at);
    expect(plan.quarantine.map((q) => q.row.reasonCode)).toEqual(['UNSUPPORTED_TYPE']);
    expect(plan.quarantine[0].row.reason).toMatch(/does not witness audit checkpoints \(AUDIT_CHECKPOINT\)/);
    expect(ports.composeReceipt).not.toHaveBeenCalled();
  });

  it('stores a ping and answers it ACCEPTED like any message, opening no case', async () => {
    const ping = verified(envelope('PING', { correlationId: 'p-1' }), samplePing());
    const ports = lookups();
    const plan = await planInbound([ping], ports, at);
    expect(plan.rows.map((r) => [r.type, r.direction])).toEqual([
      ['PING', 'in'],
      ['RECEIPT', 'out'],
    ]);
    expect(plan.cases).toEqual([]);
    expect(itemsTo(ports, JD)).toEqual([{ messageId: ping.envelope.messageId, status: 'ACCEPTED' }]);
    expect(ports.pingsSince).toHaveBeenCalledWith([JD], new Date(now.getTime() - PING_RATE.windowMs));
  });

  it('refuses pings beyond the per-sender rate RATE_LIMITED, counting those stored and those in the batch', async () => {
    const pings = [1, 2, 3].map(() => verified(envelope('PING'), samplePing()));
    const fromNj = verified(envelope('PING', { sender: NJ }), samplePing());
    const ports = lookups({ pings: new Map([[JD, PING_RATE.perSender - 2]]) });
    const plan = await planInbound([...pings, fromNj], ports, at);
    expect(plan.quarantine.map((q) => [q.row.messageId, q.row.reasonCode])).toEqual([
      [pings[2].envelope.messageId, 'RATE_LIMITED'],
    ]);
    // One receipt to the flooding sender: its two pings within the rate ACCEPTED, the third REJECTED.
    expect(itemsTo(ports, JD).map((i) => i.status)).toEqual(['ACCEPTED', 'ACCEPTED', 'REJECTED']);
    expect(itemsTo(ports, NJ).map((i) => i.status)).toEqual(['ACCEPTED']);
  });

  it("answers an erasure notice with its prepared step: ACCEPTED, or REJECTED with the step's code", async () => {
    const ok = verified(envelope('ERASURE_NOTICE', { correlationId: 'T-1' }), sampleErasureNotice('T-1', []));
    const foreign = verified(envelope('ERASURE_NOTICE', { correlationId: 'T-2' }), sampleErasureNotice('T-2', []));
    const unprepared = verified(envelope('ERASURE_NOTICE', { correlationId: 'T-3' }), sampleErasureNotice('T-3', []));
    const ports = lookups();
    const plan = await planInbound([ok, foreign, unprepared], ports, {
      ...at,
      erasures: new Map([
        [ok.envelope.messageId, { ok: true }],
        [
          foreign.envelope.messageId,
          { ok: false, code: 'ERASURE_NOT_PARTY', detail: `${JD} neither sent nor received` },
        ],
      ]),
    });
    expect(plan.rows.filter((r) => r.direction === 'in').map((r) => r.messageId)).toEqual([ok.envelope.messageId]);
    expect(itemsTo(ports, JD)).toEqual([
      { messageId: ok.envelope.messageId, status: 'ACCEPTED' },
      expect.objectContaining({ messageId: foreign.envelope.messageId, status: 'REJECTED', code: 'ERASURE_NOT_PARTY' }),
      expect.objectContaining({
        messageId: unprepared.envelope.messageId,
        status: 'REJECTED',
        code: 'UNSUPPORTED_TYPE',
      }),
    ]);
  });

  describe('with the real case tracker on in-memory case files', () => {
    const rows = new Map<string, CaseRecord>();
    const repo = {
      load: async (_em: EntityManager, keys: { kind: string; caseNo: string; partner: string }[]) =>
        new Map(keys.filter((k) => rows.has(caseKey(k))).map((k) => [caseKey(k), rows.get(caseKey(k))!])),
      save: async () => undefined,
    } as unknown as CaseRepository;
    const tracker = new CaseTracker(repo, TimeLimits.load(WorkingDayCalendar.load()), DivisionCodes.load());
    const casePorts = () => lookups({ cases: (events) => tracker.plan({} as EntityManager, events, now, false) });

    it('opens a lead file as handler with its clock, and refuses a result about a lead never transferred', async () => {
      const lead = verified(envelope('LEAD', { correlationId: 'L-20' }));
      const stray = verified(envelope('CASE_RESULT', { correlationId: 'L-21' }), sampleFeedback('L-21', 'C-21'));
      const plan = await planInbound([lead, stray], casePorts(), at);

      expect(plan.cases).toEqual([
        expect.objectContaining({
          kind: 'LEAD',
          caseNo: 'L-20',
          partner: JD,
          role: 'handler',
          receivedOn: '2026-11-30',
        }),
      ]);
      expect(plan.cases[0].dueOn).toEqual(expect.any(String));
      expect(plan.quarantine.map((q) => q.row.reasonCode)).toEqual(['UNKNOWN_CASE']);
    });

    it('refuses a second transfer of a lead that is still open', async () => {
      const first = await planInbound([verified(envelope('LEAD', { correlationId: 'L-30' }))], casePorts(), at);
      for (const c of first.cases) rows.set(caseKey(c), c);
      const again = await planInbound([verified(envelope('LEAD', { correlationId: 'L-30' }))], casePorts(), at);
      expect(again.quarantine.map((q) => q.row.reasonCode)).toEqual(['ILLEGAL_TRANSITION']);
      expect(again.cases).toEqual([]);
    });
  });
});
