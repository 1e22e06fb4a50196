import * as avro from 'avsc';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AVRO_PARSE_OPTIONS } from './avro/logical-types';
import { DomainError } from './domain-error';
import { isMessageType, MessageType } from './message-type';

/** One version of one record schema, identified by the SHA-256 of its Parsing Canonical Form. */
export interface SchemaEntry {
  readonly type: MessageType;
  readonly version: number;
  readonly name: string;
  /** Hex SHA-256 of the Parsing Canonical Form. */
  readonly fingerprint: string;
  /** The schema as written in schemas/ (attributes kept). */
  readonly schema: object;
  readonly avroType: avro.Type;
}

/** Parses one schema with the project's logical types. */
export function parseSchema(schema: object): avro.Type {
  // A fresh registry per parse: avsc stores named types in the options object it is given.
  return avro.Type.forSchema(schema as avro.Schema, { ...AVRO_PARSE_OPTIONS, registry: {} });
}

/**
 * The Avro type at a dotted field path of a record, stepping through nullable unions and into
 * array items (`disposal.penalties` is the penalty enum); undefined if the record has no such field.
 */
export function fieldTypeAt(record: avro.Type, path: string): avro.Type | undefined {
  let t: avro.Type | undefined = record;
  for (const name of path.split('.')) {
    t = t && unwrapped(t);
    const record = t as unknown as { fields?: { name: string; type: avro.Type }[] } | undefined;
    t = record?.fields?.find((f) => f.name === name)?.type;
  }
  return t && unwrapped(t);
}

/** The branch of a nullable union that is not null, and the items of an array. */
function unwrapped(t: avro.Type): avro.Type {
  const union = t as unknown as { types?: avro.Type[] };
  const branch = union.types?.find((x) => x.typeName !== 'null') ?? t;
  return (branch as unknown as { itemsType?: avro.Type }).itemsType ?? branch;
}

export function fingerprintOf(type: avro.Type): string {
  return type.fingerprint('sha256').toString('hex');
}

/**
 * The body schemas this gateway can read and write, by type and by fingerprint. Built from
 * schemas/*.avsc (files carrying `xietong.type`) or from a signed manifest's catalog.
 */
export class SchemaCatalog {
  private readonly byFingerprint = new Map<string, SchemaEntry>();
  private readonly latestByType = new Map<MessageType, SchemaEntry>();

  /**
   * @param envelopes envelope schema versions (`envelope.v<N>.avsc`) the catalog carries, so that a
   *   gateway reads an envelope version newer than its own by the header's fingerprint.
   */
  constructor(
    entries: Iterable<Omit<SchemaEntry, 'avroType' | 'fingerprint'>>,
    readonly envelopes: readonly object[] = [],
  ) {
    for (const e of entries) {
      const avroType = parseSchema(e.schema);
      const entry: SchemaEntry = { ...e, avroType, fingerprint: fingerprintOf(avroType) };
      this.byFingerprint.set(entry.fingerprint, entry);
      const latest = this.latestByType.get(e.type);
      if (!latest || latest.version < e.version) this.latestByType.set(e.type, entry);
    }
  }

  /** Reads every `*.avsc` in a directory that declares `xietong.type` and `xietong.version`. */
  static fromDirectory(dir: string): SchemaCatalog {
    const all = readdirSync(dir)
      .filter((f) => f.endsWith('.avsc'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>);
    const envelopes = all
      .filter((s) => s.name === 'Envelope' && s.namespace === 'xietong.wire')
      .sort((a, b) => Number(a['xietong.version'] ?? 1) - Number(b['xietong.version'] ?? 1));
    const entries = all
      .filter((s) => s['xietong.type'] !== undefined)
      .map((schema) => {
        const type = schema['xietong.type'];
        if (!isMessageType(type))
          throw new DomainError(
            'CONFIG_INVALID',
            `schema ${String(schema.name)}: unknown xietong.type ${String(type)}`,
          );
        return { type, version: Number(schema['xietong.version'] ?? 1), name: String(schema.name), schema };
      });
    return new SchemaCatalog(entries, envelopes);
  }

  /** Versions of `type` in the catalog, oldest first. */
  versions(type: MessageType): SchemaEntry[] {
    return this.entries()
      .filter((e) => e.type === type)
      .sort((a, b) => a.version - b.version);
  }

  /** Types in the catalog, each with its versions: what a member reading this catalog accepts. */
  typeVersions(): Partial<Record<MessageType, number[]>> {
    const out: Partial<Record<MessageType, number[]>> = {};
    for (const e of this.entries()) (out[e.type] ??= []).push(e.version);
    for (const v of Object.values(out)) v.sort((a, b) => a - b);
    return out;
  }

  /** Versions of the envelope the catalog carries. */
  envelopeVersions(): number[] {
    return this.envelopes.map((s) => Number((s as Record<string, unknown>)['xietong.version'] ?? 1));
  }

  entries(): SchemaEntry[] {
    return [...this.byFingerprint.values()];
  }

  find(fingerprint: string): SchemaEntry | undefined {
    return this.byFingerprint.get(fingerprint);
  }

  /** Whether the catalog has a version of `type`. */
  has(type: MessageType): boolean {
    return this.latestByType.has(type);
  }

  /**
   * The symbols of the enum at a dotted field path of the newest version of `type` (what a form
   * offers, so it never lists a value the schema refuses). Throws if that field is no enum.
   */
  symbols(type: MessageType, path: string): readonly string[] {
    const symbols = (fieldTypeAt(this.latest(type).avroType, path) as unknown as { symbols?: string[] } | undefined)
      ?.symbols;
    if (!symbols) throw new DomainError('UNKNOWN_SCHEMA', `${type} ${path} is no enum field of its schema`);
    return symbols;
  }

  /** The newest version of a type: what this gateway writes and reads into. */
  latest(type: MessageType): SchemaEntry {
    const entry = this.latestByType.get(type);
    if (!entry) throw new DomainError('UNKNOWN_SCHEMA', `no schema for message type ${type}`);
    return entry;
  }
}
