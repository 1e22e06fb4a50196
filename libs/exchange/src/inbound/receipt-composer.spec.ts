import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
import type { Federation } from '@xietong/federation';
import { WireCodec } from '../wire-codec';
import { composeReceipt } from './receipt-composer';

const HZ = '330100'; // this gateway
const JD = '341825';
const now = new Date('2026-11-30T02:00:00Z');
const codec = new WireCodec(join(repoRoot(), 'schemas'));

/** The parts of the federation a receipt reads: agreements, members and what they accept. */
function federation(o: { agreement?: boolean; member?: boolean } = {}): Federation {
  return {
    serial: 7,
    agreementsFor: (from: string, to: string, type: string) =>
      o.agreement === false ? [] : [{ id: `yrd`, from, to, type }],
    member: (id: string) => (o.member === false ? undefined : { id, inbox: `fed.inbox.${id}` }),
    accepts: () => ({ envelopes: [1, 2], versions: [1] }),
  } as unknown as Federation;
}

const decoded = (value: Buffer) => {
  const e = codec.envelope.decode(value);
  return { envelope: e, body: codec.local.latest('RECEIPT').avroType.fromBuffer(e.body) as Record<string, unknown> };
};

describe('composeReceipt', () => {
  it('answers all items of one sender in one signed-later RECEIPT, with its outbox row', () => {
    const ids = ['6f1c1f2e-0b7a-4d1e-9a57-4a0c1e0b7a01', '6f1c1f2e-0b7a-4d1e-9a57-4a0c1e0b7a02'];
    const receipt = composeReceipt(
      codec,
      federation(),
      HZ,
      JD,
      [
        { messageId: ids[0], status: 'ACCEPTED' },
        { messageId: ids[1], status: 'REJECTED', code: 'UNKNOWN_CASE', detail: 'x'.repeat(600) },
      ],
      now,
    )!;

    expect(receipt.row).toMatchObject({
      type: 'RECEIPT',
      direction: 'out',
      status: 'pending',
      sender: HZ,
      recipient: JD,
      zone: 'yrd',
      causationId: null,
      manifestSerial: 7,
    });
    expect(receipt.row.correlationId).toBe(receipt.row.messageId);
    expect(receipt.outbox).toEqual({
      messageId: receipt.row.messageId,
      topic: `fed.inbox.${JD}`,
      recordKey: receipt.row.messageId,
      value: receipt.row.record,
    });
    const { envelope, body } = decoded(receipt.outbox.value);
    expect(envelope).toMatchObject({ type: 'RECEIPT', sender: HZ, recipient: JD, messageId: receipt.row.messageId });
    expect(body).toEqual({
      items: [
        { messageId: ids[0], status: 'ACCEPTED', reasonCode: null, reason: null },
        { messageId: ids[1], status: 'REJECTED', reasonCode: 'UNKNOWN_CASE', reason: 'x'.repeat(500) },
      ],
      receivedAt: now.toISOString(),
    });
    expect(JSON.parse(receipt.row.body)).toEqual(body);
  });

  it('names the one message it answers as its cause', () => {
    const id = '6f1c1f2e-0b7a-4d1e-9a57-4a0c1e0b7a03';
    const receipt = composeReceipt(codec, federation(), HZ, JD, [{ messageId: id, status: 'ACCEPTED' }], now)!;
    expect(receipt.row.causationId).toBe(id);
  });

  it('answers nobody it cannot reach: no agreement, unknown member, or nothing to say', () => {
    const item = [{ messageId: '6f1c1f2e-0b7a-4d1e-9a57-4a0c1e0b7a04', status: 'ACCEPTED' as const }];
    expect(composeReceipt(codec, federation({ agreement: false }), HZ, JD, item, now)).toBeUndefined();
    expect(composeReceipt(codec, federation({ member: false }), HZ, JD, item, now)).toBeUndefined();
    expect(composeReceipt(codec, federation(), HZ, JD, [], now)).toBeUndefined();
  });
});
