import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
import { sampleAssistanceRequest, sampleLead, validateBody } from '@xietong/contracts';
import type { Federation } from '@xietong/federation';
import { WireCodec } from './wire-codec';

const codec = new WireCodec(join(repoRoot(), 'schemas'));
/** The signed catalog as the codec reads it: here the local schemas, or some of them. */
const federation = (catalog = codec.local) => ({ serial: 7, catalog }) as unknown as Federation;

const compose = (over: Partial<Parameters<WireCodec['compose']>[0]> = {}) =>
  codec.compose({
    type: 'LEAD',
    sender: '341825',
    recipient: '330100',
    zone: 'yrd',
    correlationId: 'L-1',
    createdAt: new Date('2026-11-30T02:00:00Z'),
    body: validateBody(codec.local.latest('LEAD').avroType, sampleLead('L-1')),
    ...over,
  });

describe('WireCodec', () => {
  it('reads back what it writes: envelope fields and body', () => {
    const { envelope, value } = compose({ messageId: '6f1c1f2e-0b7a-4d1e-9a57-4a0c1e0b7a21', causationId: null });
    const read = codec.envelope.decode(value);
    expect(read).toMatchObject({
      messageId: '6f1c1f2e-0b7a-4d1e-9a57-4a0c1e0b7a21',
      type: 'LEAD',
      sender: '341825',
      recipient: '330100',
      zone: 'yrd',
      correlationId: 'L-1',
      causationId: null,
      createdAt: '2026-11-30T02:00:00.000Z',
    });
    expect(read.bodySchema.toString('hex')).toBe(codec.local.latest('LEAD').fingerprint);
    expect(codec.decodeBody(envelope, federation())).toMatchObject({ leadNo: 'L-1' });
  });

  it('writes the body version it is asked for, and the oldest envelope version carrying the type', () => {
    const { envelope, value } = compose({ bodyVersion: 1 });
    expect(envelope.bodySchema.toString('hex')).toBe(codec.bodySchema('LEAD', 1).fingerprint);
    expect(codec.envelope.versionOf(value)).toBe(1);
    const assistance = codec.compose({
      type: 'ASSISTANCE_REQUEST',
      sender: '341825',
      recipient: '330100',
      zone: 'yrd',
      correlationId: 'XC-1',
      body: validateBody(
        codec.local.latest('ASSISTANCE_REQUEST').avroType,
        sampleAssistanceRequest('XC-1', 'L-1', '2026-12-31'),
      ),
    });
    expect(codec.envelope.versionOf(assistance.value)).toBe(2);
  });

  it('refuses a body version it does not have (UNKNOWN_SCHEMA)', () => {
    expect(() => codec.bodySchema('LEAD', 99)).toThrow(expect.objectContaining({ code: 'UNKNOWN_SCHEMA' }));
  });

  it('refuses to decode a body whose writer schema the signed catalog lacks, or names another type', () => {
    const { envelope } = compose();
    const lacking = { find: () => undefined, envelopes: [] };
    expect(() => codec.decodeBody(envelope, federation(lacking as never))).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SCHEMA', message: expect.stringMatching(/manifest serial 7/) }),
    );
    const receipt = codec.local.latest('RECEIPT');
    const other = { find: () => receipt, envelopes: [] };
    expect(() => codec.decodeBody(envelope, federation(other as never))).toThrow(/is not a LEAD schema/);
  });

  it('reports a body that does not decode as MALFORMED', () => {
    const { envelope } = compose();
    expect(() => codec.decodeBody({ ...envelope, body: Buffer.from([0xff]) }, federation())).toThrow(
      expect.objectContaining({ code: 'MALFORMED' }),
    );
  });
});
