import { join } from 'node:path';
import type { Command } from 'commander';
import { repoRoot } from '@xietong/config';
import { wireExample } from '../wire-example';
import { VECTOR_NOW, writeConformanceVectors } from '../conformance-vectors';
import type { CliDeps } from '../cli-io';
import { isoInstant } from '../options';

/** `wire-example` and `conformance-vectors`: what partners check their implementation against. */
export function registerConformanceCommands(program: Command, { io }: CliDeps): void {
  program
    .command('wire-example')
    .description('print the worked example of docs/wire-format.md (deterministic: Ed25519 example key)')
    .action(async () => io.out(JSON.stringify(await wireExample(), null, 2)));

  program
    .command('conformance-vectors')
    .description(
      'write the conformance kit vectors (test federation, valid and refused records with expectations; conformance/README.md)',
    )
    .option('--out <dir>', 'target directory (replaced)', join(repoRoot(), 'conformance', 'vectors'))
    .option('--now <instant>', 'evaluation time of every vector (ISO-8601)', isoInstant, VECTOR_NOW)
    .option('--federation <id>', 'federation id (namespace of the inbox topics)', 'xietong')
    .action(async (o: { out: string; now: string; federation: string }) => {
      const set = await writeConformanceVectors(o.out, { now: new Date(o.now), federation: o.federation });
      io.out(`${set.vectors.length} record vectors and a federation written to ${o.out}`);
    });
}
