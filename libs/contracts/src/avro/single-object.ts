import type * as avro from 'avsc';
import { DomainError } from '../domain-error';
import { rabinFingerprintOf } from './rabin-fingerprint';

const MAGIC = Buffer.from([0xc3, 0x01]);
const HEADER_LENGTH = 10;

/**
 * Avro single-object encoding (Avro 1.8+ specification): C3 01, the writer schema's
 * CRC-64-AVRO fingerprint (little-endian), then the Avro binary body. Any Avro library can
 * find the writer schema from the header.
 */
export class SingleObjectCodec<T> {
  readonly header: Buffer;

  constructor(readonly type: avro.Type) {
    this.header = Buffer.concat([MAGIC, rabinFingerprintOf(type)]);
  }

  encode(value: T): Buffer {
    return Buffer.concat([this.header, this.type.toBuffer(value)]);
  }

  /** Decodes, refusing a foreign header, truncated bytes or trailing garbage (MALFORMED). */
  decode(bytes: Buffer): T {
    if (bytes.length < HEADER_LENGTH || !bytes.subarray(0, HEADER_LENGTH).equals(this.header)) {
      throw new DomainError('MALFORMED', 'value is not a single-object encoded Xietong envelope (bad header)');
    }
    let result: { value: T; offset: number };
    try {
      result = this.type.decode(bytes, HEADER_LENGTH) as { value: T; offset: number };
    } catch (e) {
      throw new DomainError('MALFORMED', `envelope does not decode: ${(e as Error).message}`);
    }
    if (result.offset !== bytes.length) {
      throw new DomainError(
        'MALFORMED',
        result.offset < 0 ? 'envelope is truncated' : 'trailing bytes after the envelope',
      );
    }
    return result.value;
  }
}
