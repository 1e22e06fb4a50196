import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type Command, InvalidArgumentError } from 'commander';
import { repoRoot } from '@xietong/config';
import { SchemaCatalog } from '@xietong/contracts';
import type { SigningAlgorithm } from '@xietong/crypto';
import { DivisionCodes } from '@xietong/workflow';
import { federationFiles, initFederation, loadZoneData } from '@xietong/federation';
import type { CliDeps } from '../cli-io';
import { federationId, memberList, positiveInt, signingAlg } from '../options';

/** `federation init`: authority, member keys and a signed manifest in one directory. */
export function registerFederationCommands(program: Command, { io }: CliDeps): void {
  const federation = program.command('federation').description('set up a federation');
  federation
    .command('init')
    .description('create an authority key, member keys and a signed manifest in one directory')
    .requiredOption('--dir <dir>', 'target directory')
    .requiredOption('--members <ids>', 'comma-separated agency ids', memberList)
    .option('--alg <alg>', 'member signing algorithm: EdDSA, ES256 or SM2', signingAlg, 'EdDSA')
    .option('--valid-days <n>', 'manifest validity in days', positiveInt, 30)
    .option(
      '--federation <id>',
      'federation id: namespace of its Kafka topics and consumer groups (default: a new random id)',
      federationId,
    )
    .option('--force', 'overwrite an existing authority key, member keys and manifest in --dir')
    .option('--allow-unlisted', 'accept member ids that are not in the GB/T 2260 list the gateway ships (2021 edition)')
    .action(
      async (o: {
        dir: string;
        members: string[];
        alg: SigningAlgorithm;
        validDays: number;
        federation?: string;
        force?: boolean;
        allowUnlisted?: boolean;
      }) => {
        const files = federationFiles(o.dir);
        const existing = [files.authorityPrivate, files.manifest, ...o.members.map(files.signingKey)].filter((f) =>
          existsSync(f),
        );
        if (existing.length > 0 && !o.force)
          throw new InvalidArgumentError(
            `${o.dir} already holds a federation (${existing.join(', ')}); overwriting replaces the zone authority key and every member key. Use another --dir, or --force to overwrite`,
          );
        if (!o.allowUnlisted) {
          const divisions = DivisionCodes.load();
          const unknown = o.members.filter((m) => !divisions.check(m, '--members').known);
          if (unknown.length > 0)
            throw new InvalidArgumentError(
              `member ${unknown.join(', ')} is not a GB/T 2260 division code (county level or above, 2021 list); check the id, or pass --allow-unlisted for a code newer than the list`,
            );
        }
        const id = o.federation ?? `fed-${randomBytes(4).toString('hex')}`;
        const catalog = SchemaCatalog.fromDirectory(join(repoRoot(), 'schemas'));
        await initFederation({
          dir: o.dir,
          members: o.members,
          zones: loadZoneData(),
          catalog,
          alg: o.alg,
          validDays: o.validDays,
          federation: id,
        });
        io.out(
          `federation ${id} with ${o.members.join(', ')} written to ${o.dir} (manifest.jws, authority.*.jwk.json, keys/)`,
        );
      },
    );
}
