import { randomUUID } from 'node:crypto';
import { DomainError, sampleLead, type Envelope } from '@xietong/contracts';
import type { MessageRecord } from '@xietong/persistence';
import { inboundRow, outboundRow } from '../message-rows';
import { SubmitMessageCommand } from './submit-message.command';
import {
  planSubmissions,
  racedSubmissions,
  submissionWrites,
  type NewSubmission,
  type PreparedMessage,
} from './submit-message.planner';

const JD = '341825'; // this gateway
const HZ = '330100';
const now = new Date('2026-11-30T02:00:00Z');

const lead = (leadNo: string, messageId?: string, over: Record<string, unknown> = {}) =>
  SubmitMessageCommand.from('LEAD', { recipient: HZ, body: { ...sampleLead(leadNo), ...over }, messageId });

const envelopeOf = (cmd: SubmitMessageCommand, over: Partial<Envelope> = {}): Envelope => ({
  messageId: cmd.messageId ?? randomUUID(),
  type: cmd.type,
  sender: JD,
  recipient: cmd.recipient ?? HZ,
  zone: 'yrd',
  correlationId: cmd.correlationId,
  causationId: cmd.causationId,
  createdAt: now.toISOString(),
  bodySchema: Buffer.alloc(32),
  body: Buffer.alloc(0),
  ...over,
});

/** What the use case would prepare: here without encryption or encoding. */
const prepared = (cmd: SubmitMessageCommand): PreparedMessage => {
  const e = envelopeOf(cmd);
  return {
    row: { ...outboundRow(e, cmd.body, 7, Buffer.from('record')), requestDigest: cmd.digest },
    outbox: { messageId: e.messageId, topic: `fed.inbox.${HZ}`, recordKey: cmd.correlationId, value: Buffer.from('r') },
    body: cmd.body,
    warnings: [],
  };
};
/** The row a earlier submission of `cmd` left. */
const storedRow = (cmd: SubmitMessageCommand): MessageRecord => prepared(cmd).row;

function lookups(stored: MessageRecord[] = [], prepare = async (cmd: SubmitMessageCommand) => prepared(cmd)) {
  const prepareFn = jest.fn(prepare);
  return {
    prepare: prepareFn,
    stored: jest.fn(
      async (ids: string[]) =>
        new Map(stored.filter((r) => ids.includes(r.messageId)).map((r) => [r.messageId, r] as const)),
    ),
    preparer: jest.fn(() => prepareFn),
  };
}

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

describe('submission planner', () => {
  it('prepares new messages, in order, and looks nothing up when no messageId is given', async () => {
    const ports = lookups();
    const items = await planSubmissions([lead('L-1'), lead('L-2')], ports);
    expect(items.map((i) => i.kind)).toEqual(['new', 'new']);
    expect(items.map((i) => (i as NewSubmission).index)).toEqual([0, 1]);
    expect(items.map((i) => i.row.correlationId)).toEqual(['L-1', 'L-2']);
    expect(ports.stored).not.toHaveBeenCalled();
    expect(ports.preparer).toHaveBeenCalledTimes(1);
  });

  it('refuses a batch that names one messageId twice, naming the item, before anything is looked up', async () => {
    const id = randomUUID();
    const ports = lookups();
    const e = await refusal(planSubmissions([lead('L-1', id), lead('L-2'), lead('L-3', id)], ports));
    expect(e).toMatchObject({ code: 'VALIDATION_FAILED', field: 'items.2.messageId' });
    expect(e.message).toMatch(/repeats the one of items\.0/);
    expect(ports.stored).not.toHaveBeenCalled();
    expect(ports.preparer).not.toHaveBeenCalled();
  });

  it('answers a retry of the same request with the stored message, without preparing it again', async () => {
    const cmd = lead('L-1', randomUUID());
    const ports = lookups([storedRow(cmd)]);
    const [item] = await planSubmissions([lead('L-1', cmd.messageId)], ports);
    expect(item).toEqual({ kind: 'stored', row: storedRow(cmd) });
    expect(ports.stored).toHaveBeenCalledWith([cmd.messageId]);
    expect(ports.prepare).not.toHaveBeenCalled();
    // The manifest in force is still asked for (an expired one refuses even a retry).
    expect(ports.preparer).toHaveBeenCalledTimes(1);
  });

  it('refuses another request under a stored messageId (MESSAGE_ID_CONFLICT), naming the batch item', async () => {
    const id = randomUUID();
    const ports = lookups([storedRow(lead('L-1', id))]);
    const single = await refusal(planSubmissions([lead('L-1', id, { riskTier: 'LOW' })], ports));
    expect(single).toMatchObject({ code: 'MESSAGE_ID_CONFLICT', field: 'messageId' });
    expect(single.message).toMatch(/already used by another message \(sent LEAD L-1\)/);
    const inBatch = await refusal(planSubmissions([lead('L-5'), lead('L-9', id)], ports));
    expect(inBatch).toMatchObject({ code: 'MESSAGE_ID_CONFLICT', field: 'items.1.messageId' });
    expect(inBatch.message).toMatch(/^items\.1: messageId/);
  });

  it('refuses a messageId that a received message carries', async () => {
    const cmd = lead('L-1', randomUUID());
    const received = inboundRow(envelopeOf(cmd, { sender: HZ, recipient: JD }), cmd.body, 'jws', 7, now, null);
    const e = await refusal(planSubmissions([cmd], lookups([received])));
    expect(e).toMatchObject({ code: 'MESSAGE_ID_CONFLICT' });
    expect(e.message).toMatch(/received LEAD/);
  });

  it('takes a row stored before request digests existed as the same message', async () => {
    const cmd = lead('L-1', randomUUID());
    const legacy = { ...storedRow(cmd), requestDigest: null };
    const [item] = await planSubmissions([lead('L-1', cmd.messageId, { riskTier: 'LOW' })], lookups([legacy]));
    expect(item).toEqual({ kind: 'stored', row: legacy });
  });

  it('prefixes what preparing refused with the item of a batch, and passes other failures on as they are', async () => {
    const unknownSchema = async (cmd: SubmitMessageCommand): Promise<PreparedMessage> => {
      if (cmd.correlationId === 'L-2') throw new DomainError('UNKNOWN_SCHEMA', 'lead v3 is not in the signed catalog');
      if (cmd.correlationId === 'L-3') throw new DomainError('VALIDATION_FAILED', 'field body.x: bad', 'body.x');
      return prepared(cmd);
    };
    const e = await refusal(planSubmissions([lead('L-1'), lead('L-2')], lookups([], unknownSchema)));
    expect(e).toMatchObject({ code: 'UNKNOWN_SCHEMA', field: 'items.1' });
    expect(e.message).toBe('items.1: lead v3 is not in the signed catalog');
    const v = await refusal(planSubmissions([lead('L-1'), lead('L-3')], lookups([], unknownSchema)));
    expect(v).toMatchObject({ code: 'VALIDATION_FAILED', field: 'items.1.body.x' });
    const single = await refusal(planSubmissions([lead('L-2')], lookups([], unknownSchema)));
    expect(single).toMatchObject({ code: 'UNKNOWN_SCHEMA', field: undefined });
    const crash = planSubmissions(
      [lead('L-1'), lead('L-2')],
      lookups([], async () => {
        throw new Error('database gone');
      }),
    );
    await expect(crash).rejects.toThrow(/^database gone$/);
  });

  describe('a concurrent request that stored the same messageId first', () => {
    const planned = async (cmds: SubmitMessageCommand[]) => (await planSubmissions(cmds, lookups())) as NewSubmission[];

    it('answers with its message when it was the same request', async () => {
      const [p] = await planned([lead('L-1', randomUUID())]);
      const theirs = { ...p.row, status: 'sent' as const };
      expect(racedSubmissions([p], new Map([[p.row.messageId, theirs]]))).toEqual(new Map([[p.row.messageId, theirs]]));
    });

    it('is a MESSAGE_ID_CONFLICT naming the item when it was another request', async () => {
      const id = randomUUID();
      const [, p] = await planned([lead('L-0'), lead('L-1', id)]);
      const theirs = storedRow(lead('L-1', id, { riskTier: 'LOW' }));
      expect(() => racedSubmissions([p], new Map([[id, theirs]]))).toThrow(
        expect.objectContaining({ code: 'MESSAGE_ID_CONFLICT', field: 'items.1.messageId' }),
      );
    });

    it('is an internal error when the row is nowhere', async () => {
      const [p] = await planned([lead('L-1', randomUUID())]);
      expect(() => racedSubmissions([p], new Map())).toThrow(/neither inserted nor found/);
    });
  });

  it('writes, for the messages it inserted, their case events, outbox rows and SUBMITTED audit events', async () => {
    const won = (await planSubmissions([lead('L-1'), lead('L-2')], lookups())) as NewSubmission[];
    won[1].warnings = [{ field: 'subject.creditCode', code: 'CHECKSUM', message: 'check digit' } as never];
    const writes = submissionWrites(won, 'county-system', now);
    expect(writes.caseEvents).toEqual([
      expect.objectContaining({ direction: 'out', type: 'LEAD', partner: HZ, correlationId: 'L-1', warnings: [] }),
      expect.objectContaining({ correlationId: 'L-2', warnings: won[1].warnings }),
    ]);
    expect(writes.caseEvents[0].messageId).toBe(won[0].row.messageId);
    expect(writes.outbox).toEqual(won.map((p) => p.outbox));
    expect(writes.audit).toEqual(
      won.map((p) => ({
        kind: 'SUBMITTED',
        actor: 'county-system',
        messageId: p.row.messageId,
        caseNo: p.row.correlationId,
        partner: HZ,
        detail: { type: 'LEAD', zone: 'yrd' },
        occurredAt: now,
      })),
    );
  });
});
