import { gzipSync } from 'node:zlib';
import { CompressionTypes } from 'kafkajs';
import { installBatchCodecs, UNDECODABLE_HEADER } from './batch-codecs';

// kafkajs's own record-batch decoder, as its fetch path calls it: the codecs must serve it.
const Decoder = require('kafkajs/src/protocol/decoder');
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder');

interface Decoded {
  records: { offset: string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer> }[];
}

function varint(n: number): Buffer {
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  const out: number[] = [];
  while (z > 0x7f) {
    out.push((z & 0x7f) | 0x80);
    z >>>= 7;
  }
  out.push(z);
  return Buffer.from(out);
}

/** Records as Kafka lays them out inside a batch: value only, offset deltas 0..n-1. */
function records(values: string[]): Buffer {
  return Buffer.concat(
    values.flatMap((v, i) => {
      const value = Buffer.from(v);
      const body = Buffer.concat([
        Buffer.from([0]),
        varint(0),
        varint(i),
        varint(-1),
        varint(value.length),
        value,
        varint(0),
      ]);
      return [varint(body.length), body];
    }),
  );
}

/** A v2 record batch at `baseOffset` whose records part is `payload`, compressed with `codec`. */
function batch(codec: number, count: number, payload: Buffer, baseOffset = 100n): Buffer {
  const h = Buffer.alloc(61);
  h.writeBigInt64BE(baseOffset, 0);
  h.writeInt32BE(61 - 12 + payload.length, 8);
  h.writeInt8(2, 16);
  h.writeInt16BE(codec, 21);
  h.writeInt32BE(count - 1, 23);
  h.writeBigInt64BE(1_700_000_000_000n, 27);
  h.writeBigInt64BE(1_700_000_000_000n, 35);
  h.writeBigInt64BE(-1n, 43);
  h.writeInt16BE(-1, 51);
  h.writeInt32BE(-1, 53);
  h.writeInt32BE(count, 57);
  // Something in front, as in a fetch response: the batch does not start the buffer.
  return Buffer.concat([Buffer.from('fetch-response-before-the-batch'), h, payload]).subarray(31);
}

const decode = (b: Buffer): Promise<Decoded> => decodeRecordBatch(new Decoder(b));

describe('the inbox consumer batch codecs', () => {
  beforeAll(() => installBatchCodecs());

  it('inflates a gzip batch as before', async () => {
    const out = await decode(batch(CompressionTypes.GZIP, 2, gzipSync(records(['a', 'b']))));
    expect(out.records.map((r) => [r.offset, String(r.value)])).toEqual([
      ['100', 'a'],
      ['101', 'b'],
    ]);
  });

  it('stands in for every record of a batch it cannot inflate, each at its own offset, marked', async () => {
    const garbage = Buffer.from('not a snappy stream at all');
    const out = await decode(batch(CompressionTypes.Snappy, 3, garbage));
    expect(out.records.map((r) => r.offset)).toEqual(['100', '101', '102']);
    for (const r of out.records) {
      expect(String(r.headers[UNDECODABLE_HEADER])).toMatch(/^snappy batch could not be inflated: /);
      expect(r.key).toBeNull();
    }
    // The first keeps the compressed bytes for the quarantine row.
    expect(out.records[0].value).toEqual(garbage);
    expect(out.records[1].value).toBeNull();
  });

  it('stands in for a gzip bomb instead of inflating it', async () => {
    const bomb = gzipSync(Buffer.alloc(40 * 1024 * 1024));
    const out = await decode(batch(CompressionTypes.GZIP, 1, bomb));
    expect(String(out.records[0].headers[UNDECODABLE_HEADER])).toMatch(/inflates past 33554432 bytes/);
  });

  it('stands in when the inflated bytes do not hold the records the header declares', async () => {
    const out = await decode(batch(CompressionTypes.GZIP, 3, gzipSync(records(['only one']))));
    expect(out.records).toHaveLength(3);
    expect(String(out.records[2].headers[UNDECODABLE_HEADER])).toMatch(/does not inflate to the 3 records/);
  });

  it('names a random marker per process, so a partner cannot write one', () => {
    expect(UNDECODABLE_HEADER).toMatch(/^xietong-undecodable-[0-9a-f]{16}$/);
  });
});
