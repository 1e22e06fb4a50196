import type * as avro from 'avsc';
import { DomainError } from './domain-error';
import { parseSchema } from './schema-catalog';

/**
 * Checks that a new version of a record can be rolled out while partners still run the old
 * one: old readers must read what the new version writes (forward), and the new version must
 * read what old writers wrote (backward). Throws SCHEMA_INCOMPATIBLE naming the direction.
 */
export function assertCompatible(oldType: avro.Type, newType: avro.Type): void {
  tryResolve(oldType, newType, 'readers of the old version cannot read data written with the new version');
  tryResolve(newType, oldType, 'the new version cannot read data written with the old version');
}

function tryResolve(reader: avro.Type, writer: avro.Type, what: string): void {
  try {
    reader.createResolver(writer);
  } catch (e) {
    throw new DomainError('SCHEMA_INCOMPATIBLE', `${what}: ${(e as Error).message}`);
  }
}

interface EnumJson {
  type: 'enum';
  symbols: string[];
  default?: string;
}

function typeEnum(schema: object): EnumJson {
  const fields = (schema as { fields?: { name: string; type: unknown }[] }).fields ?? [];
  const t = fields.find((f) => f.name === 'type')?.type as EnumJson | undefined;
  if (!t || t.type !== 'enum')
    throw new DomainError('SCHEMA_INCOMPATIBLE', 'an envelope schema needs a `type` field of enum type');
  return t;
}

/** Whether a schema is a version of the wire envelope (`xietong.wire.Envelope`). */
export function isEnvelopeSchema(schema: object): boolean {
  const s = schema as { name?: string; namespace?: string };
  return s.name === 'xietong.wire.Envelope' || (s.name === 'Envelope' && s.namespace === 'xietong.wire');
}

/**
 * The envelope's rules (docs/wire-format.md, Versioning): the new version reads the old; its
 * MessageType enum keeps the old symbols in order, only appends, and has a `default`; old readers
 * read new data where the old enum has a default (Avro, in full). An old version without a default
 * (v1) is only ever sent the types it knows, written in itself (writers use the oldest version
 * that carries a type), so for it every other field must resolve: checked with the new version's
 * enum cut to the old symbols. Returns which forward guarantee holds; SCHEMA_INCOMPATIBLE otherwise.
 */
export function assertEnvelopeCompatible(oldSchema: object, newSchema: object): 'both-ways' | 'known-types' {
  const oldT = parseSchema(oldSchema);
  const newT = parseSchema(newSchema);
  tryResolve(newT, oldT, 'the new version cannot read data written with the old version');
  const oldEnum = typeEnum(oldSchema);
  const newEnum = typeEnum(newSchema);
  const kept = oldEnum.symbols.every((s, i) => newEnum.symbols[i] === s);
  if (!kept)
    throw new DomainError(
      'SCHEMA_INCOMPATIBLE',
      `the new version must keep the old MessageType symbols in their order and only append (old: ${oldEnum.symbols.join(', ')})`,
    );
  if (newEnum.default === undefined)
    throw new DomainError(
      'SCHEMA_INCOMPATIBLE',
      'the new version needs a `default` on its MessageType enum (UNKNOWN), so that its readers survive the next type',
    );
  if (oldEnum.default !== undefined) {
    tryResolve(oldT, newT, 'readers of the old version cannot read data written with the new version');
    return 'both-ways';
  }
  const cut = JSON.parse(JSON.stringify(newSchema)) as object;
  const cutEnum = typeEnum(cut);
  cutEnum.symbols = [...oldEnum.symbols];
  delete cutEnum.default;
  tryResolve(oldT, parseSchema(cut), 'readers of the old version cannot read its types written with the new version');
  return 'known-types';
}
