import { type Command, InvalidArgumentError } from 'commander';
import { issueToken } from '@xietong/dev';
import { ROLES, type Role } from '@xietong/gateway';
import { federationFiles, readJwk } from '@xietong/federation';
import type { CliDeps } from '../cli-io';
import { positiveInt } from '../options';

/** `auth token`: tokens of the development issuer. */
export function registerAuthCommands(program: Command, { io }: CliDeps): void {
  const auth = program.command('auth').description('tokens of the development issuer `federation init` creates');
  auth
    .command('token')
    .description(
      'print a bearer token for one agency gateway (production tokens come from the agency identity provider)',
    )
    .requiredOption('--dir <dir>', 'federation directory')
    .requiredOption('--agency <id>', 'agency whose gateway the token is for')
    .option('--roles <roles>', 'comma-separated: submitter, handler, auditor, admin', 'submitter')
    .option('--sub <subject>', 'user or system the token stands for', 'county-system')
    .option('--ttl <seconds>', 'lifetime', positiveInt, 3600)
    .action(async (o: { dir: string; agency: string; roles: string; sub: string; ttl: number }) => {
      const roles = o.roles.split(',').map((r) => r.trim());
      const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
      if (unknown.length > 0)
        throw new InvalidArgumentError(`unknown role ${unknown.join(', ')}; use ${ROLES.join(', ')}`);
      const key = await readJwk(federationFiles(o.dir).authIssuerKey(o.agency));
      io.out(
        await issueToken(key, {
          issuer: 'xietong-local-idp',
          audience: `xietong-gateway-${o.agency}`,
          subject: o.sub,
          roles: roles as Role[],
          ttlSeconds: o.ttl,
        }),
      );
    });
}
