import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as avro from 'avsc';
import { SingleObjectCodec } from './avro/single-object';
import { DomainError } from './domain-error';
import type { MessageType } from './message-type';
import { parseSchema } from './schema-catalog';

/**
 * The type symbol an envelope version 2+ reader maps a symbol it does not know to (the enum's
 * `default`); such a record is quarantined UNSUPPORTED_TYPE.
 */
export const UNKNOWN_TYPE = 'UNKNOWN';

/** The signed unit on the wire (schemas/envelope.v<N>.avsc). */
export interface Envelope {
  messageId: string;
  /** A message type, or UNKNOWN for a type this gateway's envelope version does not know. */
  type: MessageType;
  sender: string;
  recipient: string;
  zone: string;
  correlationId: string;
  causationId: string | null;
  /** ISO-8601 instant. */
  createdAt: string;
  /** SHA-256 of the body writer schema's canonical form. */
  bodySchema: Buffer;
  body: Buffer;
}

/** One version of the envelope schema. */
export interface EnvelopeVersion {
  version: number;
  /** The schema as written (attributes kept). */
  schema: object;
  codec: SingleObjectCodec<Envelope>;
  /** Symbols of its MessageType enum. */
  types: readonly string[];
}

/** The envelope versions in a schemas directory (`envelope.v<N>.avsc`), oldest first. */
export function readEnvelopeSchemas(schemasDir: string): object[] {
  return readdirSync(schemasDir)
    .map((f) => /^envelope\.v(\d+)\.avsc$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => JSON.parse(readFileSync(join(schemasDir, m[0]), 'utf8')) as object);
}

function envelopeVersion(schema: object): EnvelopeVersion {
  const type = parseSchema(schema);
  const field = (type as unknown as { fields: { name: string; type: { symbols?: string[] } }[] }).fields.find(
    (f) => f.name === 'type',
  );
  return {
    version: Number((schema as Record<string, unknown>)['xietong.version'] ?? 1),
    schema,
    codec: new SingleObjectCodec<Envelope>(type),
    types: field?.type.symbols ?? [],
  };
}

/**
 * Record values: Avro single-object encoding of the envelope, in several versions. Writes each
 * message with the oldest local version whose MessageType enum has its type (so a partner on an
 * older version keeps reading the types it knows), or the version a caller names. Reads any
 * version whose writer schema it has (local, or added from the signed catalog) by the header's
 * CRC-64-AVRO fingerprint, resolved into the newest local version (Avro schema resolution): a type
 * the reader does not know becomes UNKNOWN.
 */
export class EnvelopeCodec {
  /** Local versions, oldest first; the last is the reader schema. */
  readonly versions: readonly EnvelopeVersion[];
  private readonly writers = new Map<string, EnvelopeVersion>();
  private readonly resolvers = new Map<string, avro.Resolver | null>();

  constructor(schemas: object[]) {
    if (schemas.length === 0) throw new DomainError('CONFIG_INVALID', 'no envelope schema (envelope.v<N>.avsc)');
    this.versions = schemas.map(envelopeVersion).sort((a, b) => a.version - b.version);
    for (const v of this.versions) this.writers.set(fingerprintKey(v), v);
  }

  static fromDirectory(schemasDir: string): EnvelopeCodec {
    return new EnvelopeCodec(readEnvelopeSchemas(schemasDir));
  }

  /** The reader: the newest local version. */
  get reader(): EnvelopeVersion {
    return this.versions[this.versions.length - 1];
  }

  /** Avro type of the reader version. */
  get type(): avro.Type {
    return this.reader.codec.type;
  }

  /** Adds writer schemas this gateway does not have locally (a newer version from the signed catalog). */
  addWriters(schemas: object[]): void {
    for (const s of schemas) {
      const v = envelopeVersion(s);
      const key = fingerprintKey(v);
      if (!this.writers.has(key)) this.writers.set(key, v);
    }
  }

  /** The local version a message of `type` is written with: the oldest that has it, within `allowed`. */
  writerFor(type: string, allowed?: readonly number[]): EnvelopeVersion {
    const v = this.versions.find((x) => x.types.includes(type) && (!allowed || allowed.includes(x.version)));
    if (!v)
      throw new DomainError(
        'UNKNOWN_SCHEMA',
        allowed
          ? `no envelope version among ${allowed.map((n) => `v${n}`).join(', ')} carries ${type}`
          : `no local envelope version carries ${type}`,
      );
    return v;
  }

  encode(envelope: Envelope, version?: number): Buffer {
    const v =
      version === undefined
        ? this.writerFor(envelope.type)
        : this.versions.find((x) => x.version === version && x.types.includes(envelope.type));
    if (!v) throw new DomainError('UNKNOWN_SCHEMA', `envelope v${version} does not carry ${envelope.type}`);
    return v.codec.encode(envelope);
  }

  /** The envelope version a value was written with, from its header; undefined if unknown. */
  versionOf(bytes: Buffer): number | undefined {
    return this.writers.get(bytes.subarray(2, 10).toString('hex'))?.version;
  }

  /** Decodes, refusing an unknown header, truncated bytes or trailing garbage (MALFORMED). */
  decode(bytes: Buffer): Envelope {
    if (bytes.length < 10 || bytes[0] !== 0xc3 || bytes[1] !== 0x01)
      throw new DomainError('MALFORMED', 'value is not a single-object encoded Xietong envelope (bad header)');
    const key = bytes.subarray(2, 10).toString('hex');
    const writer = this.writers.get(key);
    if (!writer)
      throw new DomainError(
        'MALFORMED',
        `value is not a single-object encoded Xietong envelope (bad header: schema fingerprint ${key} is no known envelope version)`,
      );
    const reader = this.reader.codec.type;
    if (writer.codec.type === reader) return writer.codec.decode(bytes);
    const resolver = this.resolverFor(key, writer);
    if (resolver === null) {
      // An older reader without the enum default: read with the writer, then mark a type it lacks.
      const e = writer.codec.decode(bytes);
      return this.reader.types.includes(e.type) ? e : { ...e, type: UNKNOWN_TYPE as MessageType };
    }
    let result: { value: Envelope; offset: number };
    try {
      result = reader.decode(bytes, 10, resolver) as { value: Envelope; offset: number };
    } catch (e) {
      throw new DomainError('MALFORMED', `envelope does not decode: ${(e as Error).message}`);
    }
    if (result.offset !== bytes.length)
      throw new DomainError(
        'MALFORMED',
        result.offset < 0 ? 'envelope is truncated' : 'trailing bytes after the envelope',
      );
    return result.value;
  }

  private resolverFor(key: string, writer: EnvelopeVersion): avro.Resolver | null {
    if (!this.resolvers.has(key)) {
      let resolver: avro.Resolver | null;
      try {
        resolver = this.reader.codec.type.createResolver(writer.codec.type);
      } catch {
        resolver = null;
      }
      this.resolvers.set(key, resolver);
    }
    return this.resolvers.get(key)!;
  }
}

/** The CRC-64-AVRO fingerprint of a version as the header carries it (bytes 2-9), in hex. */
function fingerprintKey(v: EnvelopeVersion): string {
  return v.codec.header.subarray(2).toString('hex');
}

/** Codec for record values in every local envelope version (schemas/envelope.v<N>.avsc). */
export function envelopeCodec(schemasDir: string): EnvelopeCodec {
  return EnvelopeCodec.fromDirectory(schemasDir);
}
