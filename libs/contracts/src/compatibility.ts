import type * as avro from 'avsc';
import { DomainError } from './domain-error';

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
