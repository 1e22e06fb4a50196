// CRC-64-AVRO ("Rabin") fingerprint from the Avro specification, used by the single-object
// encoding header. avsc offers md5/sha256 only, so the spec's reference algorithm is here.
import type * as avro from 'avsc';

const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE: bigint[] = (() => {
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK);
    table.push(fp & MASK);
  }
  return table;
})();

/** CRC-64-AVRO of the UTF-8 bytes of a schema's Parsing Canonical Form, little-endian (8 bytes). */
export function rabinFingerprint(canonicalForm: string): Buffer {
  let fp = EMPTY;
  for (const byte of Buffer.from(canonicalForm, 'utf8')) {
    fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)];
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp);
  return out;
}

/**
 * A schema's Parsing Canonical Form (Avro specification): full names, only the attributes that
 * matter for parsing (no doc, default, aliases or logicalType), in the specification's order, no
 * whitespace. avsc's `schema()` gives exactly this; `toString()` does not (for a named type it is
 * only the name). Checked against Apache Avro's SchemaNormalization for every schema in schemas/.
 */
export function parsingCanonicalForm(type: avro.Type): string {
  return JSON.stringify(type.schema());
}

/** The single-object header fingerprint of a schema: CRC-64-AVRO of its Parsing Canonical Form. */
export function rabinFingerprintOf(type: avro.Type): Buffer {
  return rabinFingerprint(parsingCanonicalForm(type));
}
