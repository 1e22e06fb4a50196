import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip, unzip } from 'node:zlib';
import { Decompress as ZstdStream } from 'fzstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import * as lz4 from 'lz4js';
import * as snappy from 'snappyjs';

/**
 * What a compressed record batch from a partner may inflate to. kafkajs fetches at most 4 MiB of a
 * partition at a time; a partner's honest batch compresses a few times at most, a bomb a thousand.
 */
export const MAX_INFLATED_BATCH_BYTES = 32 * 1024 * 1024;

/**
 * Header that the codecs below put on the stand-in records of a batch they could not inflate. Its
 * name holds a random part drawn once per process, so a partner cannot write a record that passes
 * for one of them.
 */
export const UNDECODABLE_HEADER = `xietong-undecodable-${randomBytes(8).toString('hex')}`;

/** At most this many stand-in records for one batch (an honest batch holds far fewer). */
const MAX_STAND_INS = 1_000_000;
/** The first stand-in keeps this much of the compressed bytes, for the quarantine row. */
const KEPT_BYTES = 1024 * 1024;

type Inflate = (compressed: Buffer, limit: number) => Promise<Buffer>;

const gunzip = promisify(unzip) as (b: Buffer, o: { maxOutputLength: number }) => Promise<Buffer>;
const gzipAsync = promisify(gzip);

const INFLATERS: Record<'gzip' | 'snappy' | 'lz4' | 'zstd', Inflate> = {
  gzip: (b, limit) =>
    gunzip(b, { maxOutputLength: limit }).catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'ERR_BUFFER_TOO_LARGE' ? new Error(`inflates past ${limit} bytes`) : e;
    }),
  snappy: async (b, limit) => inflateSnappy(b, limit),
  lz4: async (b, limit) => {
    const bound = lz4.decompressBound(b);
    if (bound > limit) throw new Error(`inflates past ${limit} bytes (frame says ${bound})`);
    return Buffer.from(lz4.decompress(b, bound));
  },
  zstd: async (b, limit) => inflateZstd(b, limit),
};

/** Kafka's Java client frames snappy the way snappy-java's SnappyOutputStream does. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

function inflateSnappy(b: Buffer, limit: number): Buffer {
  if (!b.subarray(0, 8).equals(XERIAL_MAGIC)) return Buffer.from(snappy.uncompress(b, limit));
  const parts: Buffer[] = [];
  let total = 0;
  for (let at = 16; at < b.length;) {
    if (at + 4 > b.length) throw new Error('snappy-java frame cut short');
    const size = b.readUInt32BE(at);
    at += 4;
    if (at + size > b.length) throw new Error('snappy-java block cut short');
    const part = Buffer.from(snappy.uncompress(b.subarray(at, at + size), limit - total));
    total += part.length;
    parts.push(part);
    at += size;
  }
  return Buffer.concat(parts, total);
}

function inflateZstd(b: Buffer, limit: number): Buffer {
  const parts: Uint8Array[] = [];
  let total = 0;
  const stream = new ZstdStream((chunk) => {
    total += chunk.length;
    if (total > limit) throw new Error(`inflates past ${limit} bytes`);
    parts.push(chunk);
  });
  stream.push(b, true);
  return Buffer.concat(parts, total);
}

/**
 * Layout of a v2 record batch up to its records (the Kafka protocol's, not kafkajs's): kafkajs hands
 * a codec the records part of the fetched batch as a view into the fetch response, so the header
 * sits just before it.
 */
const HEADER = { size: 61, magic: 16, attributes: 21, lastOffsetDelta: 23, count: 57 } as const;

interface BatchHeader {
  codec: number;
  lastOffsetDelta: number;
  count: number;
}

/** The v2 batch header in front of `records`, or undefined when the bytes there are not one. */
function headerBefore(records: Buffer): BatchHeader | undefined {
  if (records.byteOffset < HEADER.size) return undefined;
  const h = Buffer.from(records.buffer, records.byteOffset - HEADER.size, HEADER.size);
  if (h.readInt8(HEADER.magic) !== 2) return undefined;
  return {
    codec: h.readInt16BE(HEADER.attributes) & 0x07,
    lastOffsetDelta: h.readInt32BE(HEADER.lastOffsetDelta),
    count: h.readInt32BE(HEADER.count),
  };
}

/**
 * A kafkajs codec that inflates with a size limit and never leaves the consumer stuck: a batch it
 * cannot inflate (corrupt, unknown framing, past the limit) comes out as one stand-in record per
 * record of the batch, each marked with {@link UNDECODABLE_HEADER}, the first carrying the
 * compressed bytes. The inbound side quarantines them and the partition moves on.
 */
export function cappedCodec(name: keyof typeof INFLATERS, codec: number, limit = MAX_INFLATED_BATCH_BYTES) {
  return {
    async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
      if (name === 'gzip') return gzipAsync(encoder.buffer);
      throw new Error(`Xietong never writes ${name} batches`);
    },
    async decompress(compressed: Buffer): Promise<Buffer> {
      const header = headerBefore(compressed);
      let reason: string;
      try {
        const records = await INFLATERS[name](compressed, limit);
        if (!header || holdsRecords(records, header.count)) return records;
        reason = `${name} batch does not inflate to the ${header.count} records its header declares`;
      } catch (e) {
        // Without the header we cannot stand in for the records: the consumer reports the batch.
        if (!header) throw e;
        reason = `${name} batch could not be inflated: ${(e as Error).message}`;
      }
      if (header.codec !== codec || header.count <= 0 || header.count > MAX_STAND_INS) throw new Error(reason);
      return standIns(header, reason, compressed);
    },
  };
}

/** Whether `buf` holds exactly `count` length-prefixed records (what kafkajs will read from it). */
function holdsRecords(buf: Buffer, count: number): boolean {
  let at = 0;
  for (let i = 0; i < count; i++) {
    const v = readVarint(buf, at);
    if (!v || v.value < 0) return false;
    at = v.next + v.value;
    if (at > buf.length) return false;
  }
  return true;
}

function readVarint(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let raw = 0;
  for (let shift = 0, i = at; i < buf.length && shift <= 28; shift += 7, i++) {
    raw |= (buf[i] & 0x7f) << shift;
    if ((buf[i] & 0x80) === 0) return { value: (raw >>> 1) ^ -(raw & 1), next: i + 1 };
  }
  return undefined;
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

/** One v2 record per record of the batch: no key, the marker header, the last at the batch's last offset. */
function standIns(header: BatchHeader, reason: string, compressed: Buffer): Buffer {
  const name = Buffer.from(UNDECODABLE_HEADER);
  const why = Buffer.from(reason.slice(0, 500));
  const records: Buffer[] = [];
  for (let i = 0; i < header.count; i++) {
    const offsetDelta = i === header.count - 1 ? Math.max(i, header.lastOffsetDelta) : i;
    const value = i === 0 ? compressed.subarray(0, KEPT_BYTES) : undefined;
    const body = Buffer.concat([
      Buffer.from([0]), // attributes
      varint(0), // timestamp delta
      varint(offsetDelta),
      varint(-1), // no key
      value ? Buffer.concat([varint(value.length), value]) : varint(-1),
      varint(1),
      varint(name.length),
      name,
      varint(why.length),
      why,
    ]);
    records.push(varint(body.length), body);
  }
  return Buffer.concat(records);
}

let installed = false;

/**
 * Replaces kafkajs's codecs (gzip without a size limit; Snappy, LZ4 and ZSTD not implemented, which
 * left the consumer restarting at the same offset for ever) with the capped ones above. kafkajs keeps
 * its codecs in one table per process, so this is done once, before any consumer starts.
 */
export function installBatchCodecs(): void {
  if (installed) return;
  installed = true;
  const table = CompressionCodecs as unknown as Record<number, () => ReturnType<typeof cappedCodec>>;
  for (const [name, type] of [
    ['gzip', CompressionTypes.GZIP],
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
  ] as const) {
    const codec = cappedCodec(name, type);
    table[type] = () => codec;
  }
}
