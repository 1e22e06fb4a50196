import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { repoRoot } from '@xietong/config';
import {
  assertCompatible,
  assertEnvelopeCompatible,
  isEnvelopeSchema,
  parseSchema,
  rabinFingerprintOf,
} from '@xietong/contracts';
import type { CliDeps } from '../cli-io';

/** `schema fingerprint` and `schema check`. */
export function registerSchemaCommands(program: Command, { io }: CliDeps): void {
  const schema = program.command('schema').description('Avro schema tools');
  schema
    .command('fingerprint')
    .description('print SHA-256 and CRC-64-AVRO fingerprints of schema files (default: schemas/*.avsc)')
    .argument('[files...]')
    .action(async (files: string[]) => {
      const list =
        files.length > 0
          ? files
          : (await import('node:fs'))
              .readdirSync(join(repoRoot(), 'schemas'))
              .filter((f) => f.endsWith('.avsc'))
              .map((f) => join(repoRoot(), 'schemas', f));
      for (const file of list) {
        const t = parseSchema(JSON.parse(await readFile(file, 'utf8')));
        io.out(
          `${file}\tsha256:${t.fingerprint('sha256').toString('hex')}\trabin:${rabinFingerprintOf(t).toString('hex')}`,
        );
      }
    });
  schema
    .command('check')
    .description('check that a new schema version can replace an old one in both directions; exit 1 if not')
    .requiredOption('--old <file>', 'schema version partners run now')
    .requiredOption('--new <file>', 'proposed new version')
    .action(async (o: { old: string; new: string }) => {
      const oldS = JSON.parse(await readFile(o.old, 'utf8')) as object;
      const newS = JSON.parse(await readFile(o.new, 'utf8')) as object;
      if (isEnvelopeSchema(oldS) && isEnvelopeSchema(newS)) {
        const forward = assertEnvelopeCompatible(oldS, newS);
        io.out(
          forward === 'both-ways'
            ? `compatible: envelope ${o.new} can replace ${o.old} (old readers read new data, unknown types as UNKNOWN; new readers read old data)`
            : `compatible: envelope ${o.new} can follow ${o.old} (new readers read old data; old readers, whose type enum has no default, read every type they know, which writers send in the old version)`,
        );
        return;
      }
      assertCompatible(parseSchema(oldS), parseSchema(newS));
      io.out(`compatible: ${o.new} can replace ${o.old} (old readers read new data, new readers read old data)`);
    });
}
