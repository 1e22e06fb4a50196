import { type Command, InvalidArgumentError } from 'commander';
import {
  LocalKeys,
  NothingArchived,
  PersonalDataErasure,
  RetentionWorker,
  silentLogs,
  type RetentionReport,
} from '@xietong/exchange';
import { AuditRepository, Database, RetentionRepository } from '@xietong/persistence';
import type { CliDeps, CliIo } from '../cli-io';
import { gatewayConfigFor } from '../options';

/** `retention run`: the agency's retention policy, applied once (docs/retention.md). */
export function registerRetentionCommands(program: Command, { io }: CliDeps): void {
  const retention = program.command('retention').description('retention of personal data, logs and queue rows');
  retention
    .command('run')
    .description(
      "apply the agency's retention policy once: erase the personal data of cases past their period, delete aged quarantine rows, access records and dead queue rows",
    )
    .requiredOption('--agency <id>', 'the gateway whose database this is')
    .option('--database-url <url>', 'postgres://… or sqlite:<file> (default: the gateway configuration)')
    .option('--schema <schema>', 'PostgreSQL schema of that gateway')
    .option('--federation-dir <dir>', "where the gateway's keys are (the erasure entries are signed)")
    .option('--now <instant>', 'apply the policy as of this ISO-8601 instant (default: now)', instant)
    .option('--dry-run', 'report what would be erased and deleted, change nothing')
    .option('--json', 'print the report as JSON')
    .action(
      async (o: {
        agency: string;
        databaseUrl?: string;
        schema?: string;
        federationDir?: string;
        now?: Date;
        dryRun?: boolean;
        json?: boolean;
      }) => {
        const config = gatewayConfigFor(o.agency, o);
        const keys = await LocalKeys.load(config.federation.signingKeyFile, config.federation.encryptionKeyFile);
        const db = await Database.open(config.database, { migrate: false });
        try {
          const repo = new RetentionRepository(db);
          const audit = new AuditRepository(db);
          const eraser = new PersonalDataErasure(db, repo, audit, o.agency, keys.signer);
          const worker = new RetentionWorker(
            config.retention,
            repo,
            eraser,
            new NothingArchived(),
            audit,
            db,
            silentLogs,
          );
          const report = await worker.run({ now: o.now, dryRun: o.dryRun, actor: 'cli:retention run' });
          // Chain the entries now, so `audit verify` right after sees them (a running gateway would too).
          if (!o.dryRun) for (let n = 1; n > 0;) n = await audit.chainPending();
          if (o.json) io.out(JSON.stringify(report, null, 2));
          else printReport(io, o.agency, report);
        } finally {
          await db.close();
        }
      },
    );
}

function instant(v: string): Date {
  const at = new Date(v);
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) || Number.isNaN(at.getTime()))
    throw new InvalidArgumentError('an ISO-8601 date or instant, e.g. 2027-12-01T00:00:00Z');
  return at;
}

function printReport(io: CliIo, agency: string, r: RetentionReport): void {
  const would = r.dryRun ? ' (dry run: nothing changed)' : '';
  io.out(`retention of ${agency} as of ${r.now}${would}`);
  io.out(`erased personal data of ${r.erased.length} message(s)`);
  for (const m of r.erased) io.out(`  ${m.messageId}  ${m.caseNo} with ${m.partner}, ${m.state} since ${m.closedAt}`);
  for (const [cls, n] of Object.entries(r.deleted)) io.out(`deleted ${cls}: ${n}`);
  for (const k of r.kept) io.out(`kept ${k.class}: ${k.reason}`);
}
