import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { repoRoot } from '@xietong/config';
import { DomainError } from '@xietong/contracts';
import { CliExit, type CliDeps, type CliIo } from './cli-io';
import { registerAuditCommands } from './commands/audit';
import { registerArchiveCommands } from './commands/archive';
import { registerAuthCommands } from './commands/auth';
import { registerCheckCommands } from './commands/checks';
import { registerConformanceCommands } from './commands/conformance';
import { registerDeadlineCommands } from './commands/deadline';
import { registerFederationCommands } from './commands/federation';
import { registerKafkaCommands } from './commands/kafka';
import { registerKeyCommands } from './commands/keys';
import { registerManifestCommands } from './commands/manifest';
import { registerQuarantineCommands } from './commands/quarantine';
import { registerPingCommands } from './commands/ping';
import { registerRetentionCommands } from './commands/retention';
import { registerSchemaCommands } from './commands/schema';
import { registerWebhookCommands } from './commands/webhooks';

export type { CliIo } from './cli-io';

const stdio: CliIo = { out: (t) => process.stdout.write(t + '\n'), err: (t) => process.stderr.write(t + '\n') };

/** The `xietong` command line: keys, federation manifest and schema tools. */
export function buildCli(io: CliIo = stdio): Command {
  // Output and exit behaviour are set before subcommands are added so they inherit them.
  const program = new Command('xietong')
    .description('Xietong gateway tools: keys, signed federation manifest, schemas')
    .version(packageVersion(), '-V, --version', 'print the xietong version')
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  // The order of registration is the order of `xietong --help`.
  const deps: CliDeps = { io };
  registerKeyCommands(program, deps);
  registerFederationCommands(program, deps);
  registerKafkaCommands(program, deps);
  registerManifestCommands(program, deps);
  registerSchemaCommands(program, deps);
  registerAuthCommands(program, deps);
  registerQuarantineCommands(program, deps);
  registerPingCommands(program, deps);
  registerWebhookCommands(program, deps);
  registerAuditCommands(program, deps);
  registerRetentionCommands(program, deps);
  registerArchiveCommands(program, deps);
  registerDeadlineCommands(program, deps);
  registerCheckCommands(program, deps);
  registerConformanceCommands(program, deps);
  return program;
}

/** The version in the repository's package.json. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The (sub)command `argv` names, for its usage text. */
function commandFor(program: Command, argv: string[]): Command {
  let at = program;
  for (const a of argv) {
    const sub = at.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    at = sub;
  }
  return at;
}

/**
 * Runs the CLI; domain errors become one clear line and exit code 1. A usage error found inside a
 * command (commander has not shown it) prints what was wrong and the command's usage.
 */
export async function runCli(argv: string[], io: CliIo = stdio): Promise<number> {
  let errWritten = false;
  const tracked: CliIo = {
    ...io,
    err: (s: string) => {
      errWritten = true;
      io.err(s);
    },
  };
  const program = buildCli(tracked);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CliExit) return e.exitCode;
    const err = e as { code?: string; exitCode?: number; message: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    if (err.code?.startsWith('commander.')) {
      if (!errWritten) {
        io.err(err.message.startsWith('error') ? err.message : `error: ${err.message}`);
        io.err(commandFor(program, argv).helpInformation().trimEnd());
      }
      return err.exitCode && err.exitCode !== 0 ? err.exitCode : 1;
    }
    io.err(e instanceof DomainError ? `error ${e.code}: ${e.message}` : `error: ${err.message}`);
    return 1;
  }
}
