import type * as avro from 'avsc';
import { randomUUID } from 'node:crypto';
import {
  DomainError,
  envelopeCodec,
  SchemaCatalog,
  type Envelope,
  type EnvelopeCodec,
  type MessageType,
  type SchemaEntry,
} from '@xietong/contracts';
import type { Federation } from '@xietong/federation';

export interface ComposeInput {
  type: MessageType;
  sender: string;
  recipient: string;
  zone: string;
  correlationId: string;
  causationId?: string | null;
  messageId?: string;
  createdAt?: Date;
  /** Already validated against the local schema of `type` (or of `bodyVersion`). */
  body: unknown;
  /** Body schema version to write (default: the newest local one). */
  bodyVersion?: number;
  /** Envelope versions the recipient reads (default: any local one). */
  envelopes?: readonly number[];
}

/**
 * Encodes and decodes record values: the single-object envelope around an Avro body.
 * Writes with this gateway's newest local schema; reads any writer schema in the signed
 * catalog, resolved into the local reader schema (Avro schema resolution).
 */
export class WireCodec {
  readonly envelope: EnvelopeCodec;
  readonly local: SchemaCatalog;
  private readonly resolvers = new Map<string, { reader: avro.Type; resolver: avro.Resolver }>();
  private learnedFrom?: Federation;

  constructor(schemasDir: string) {
    this.envelope = envelopeCodec(schemasDir);
    this.local = SchemaCatalog.fromDirectory(schemasDir);
  }

  compose(input: ComposeInput): { envelope: Envelope; value: Buffer } {
    const schema =
      input.bodyVersion === undefined ? this.local.latest(input.type) : this.bodySchema(input.type, input.bodyVersion);
    const envelope: Envelope = {
      messageId: input.messageId ?? randomUUID(),
      type: input.type,
      sender: input.sender,
      recipient: input.recipient,
      zone: input.zone,
      correlationId: input.correlationId,
      causationId: input.causationId ?? null,
      createdAt: (input.createdAt ?? new Date()).toISOString(),
      bodySchema: Buffer.from(schema.fingerprint, 'hex'),
      body: schema.avroType.toBuffer(input.body),
    };
    const version = this.envelope.writerFor(input.type, input.envelopes).version;
    return { envelope, value: this.envelope.encode(envelope, version) };
  }

  /** A local body schema of `type` in `version`; UNKNOWN_SCHEMA if this gateway lacks it. */
  bodySchema(type: MessageType, version: number): SchemaEntry {
    const entry = this.local.versions(type).find((e) => e.version === version);
    if (!entry) throw new DomainError('UNKNOWN_SCHEMA', `no local schema for ${type} v${version}`);
    return entry;
  }

  /**
   * Envelope writer schemas the signed catalog carries beyond the local ones (a newer version),
   * so their records are read, and a type this code does not know is told from a malformed record.
   */
  learnEnvelopes(federation: Federation): void {
    if (this.learnedFrom === federation) return;
    this.envelope.addWriters([...federation.catalog.envelopes]);
    this.learnedFrom = federation;
  }

  /** Decodes the body with the writer schema named by its fingerprint, if the catalog lists it. */
  decodeBody<T = Record<string, unknown>>(envelope: Envelope, federation: Federation): T {
    const fp = envelope.bodySchema.toString('hex');
    const writer = federation.catalog.find(fp);
    if (!writer)
      throw new DomainError(
        'UNKNOWN_SCHEMA',
        `body schema ${fp.slice(0, 16)}… is not in the signed catalog (manifest serial ${federation.serial})`,
      );
    if (writer.type !== envelope.type)
      throw new DomainError(
        'UNKNOWN_SCHEMA',
        `body schema ${writer.name} v${writer.version} is not a ${envelope.type} schema`,
      );
    let cached = this.resolvers.get(fp);
    if (!cached) {
      const reader = this.local.latest(envelope.type).avroType;
      try {
        cached = { reader, resolver: reader.createResolver(writer.avroType) };
      } catch (e) {
        throw new DomainError(
          'UNKNOWN_SCHEMA',
          `cannot read ${writer.name} v${writer.version} with the local schema: ${(e as Error).message}`,
        );
      }
      this.resolvers.set(fp, cached);
    }
    try {
      return cached.reader.fromBuffer(envelope.body, cached.resolver) as T;
    } catch (e) {
      throw new DomainError(
        'MALFORMED',
        `body does not decode with ${writer.name} v${writer.version}: ${(e as Error).message}`,
      );
    }
  }
}
