import { readFile } from 'node:fs/promises';
import { type Command } from 'commander';
import { exportArchive, LocalKeys, pruneArchived, verifyArchives } from '@xietong/exchange';
import { readJwk } from '@xietong/federation';
import { ArchiveRepository, AuditRepository, Database, ManifestArchiveRepository } from '@xietong/persistence';
import { CliExit, type CliDeps, type CliIo } from '../cli-io';
import { gatewayConfigFor, isoInstant } from '../options';

interface DatabaseOptions {
  agency: string;
  databaseUrl?: string;
  schema?: string;
  federationDir?: string;
}

/** `archive export`, `verify` and `prune`: signed, time-stamped archives of a gateway's records and trail. */
export function registerArchiveCommands(program: Command, { io }: CliDeps): void {
  const archive = program
    .command('archive')
    .description('signed, time-stamped, hash-linked archives of records, receipts and the audit trail');
  registerExport(archive, io);
  registerVerify(archive, io);
  registerPrune(archive, io);
}

const withDatabase = (c: Command) =>
  c
    .requiredOption('--agency <id>', 'the gateway whose data this is')
    .option('--database-url <url>', 'postgres://… or sqlite:<file> (default: the gateway configuration)')
    .option('--schema <schema>', 'PostgreSQL schema of that gateway')
    .option('--federation-dir <dir>', 'federation directory of the gateway configuration (its signing key)');

/** The start of the current day (UTC): the default end of the period. */
const today = () => new Date(new Date().toISOString().slice(0, 10)).toISOString();

function registerExport(archive: Command, io: CliIo): void {
  withDatabase(
    archive
      .command('export')
      .description(
        'write the next archive: everything since the last archive up to --until, signed by the gateway key, with an RFC 3161 token from XIETONG_TSA_URL',
      ),
  )
    .requiredOption('--out <dir>', 'directory of the archives (one <agency>-<seq> directory each)')
    .option('--until <instant>', 'end of the period, ISO 8601 (default: the start of today, UTC)', isoInstant)
    .action(async (o: DatabaseOptions & { out: string; until?: string }) => {
      const config = gatewayConfigFor(o.agency, o);
      const keys = await LocalKeys.load(config.federation.signingKeyFile, config.federation.encryptionKeyFile);
      const tsa = config.tsa && { url: config.tsa.url, certPem: await readFile(config.tsa.certFile, 'utf8') };
      const db = await Database.open(config.database, { migrate: false });
      try {
        const a = await exportArchive(o.agency, new Date(o.until ?? today()), o.out, {
          archives: new ArchiveRepository(db),
          audit: new AuditRepository(db),
          manifests: new ManifestArchiveRepository(db),
          signer: keys.signer,
          tsa,
        });
        io.out(
          `archive ${a.seq} of ${o.agency} (${a.from.toISOString()} .. ${a.until.toISOString()}): ${a.records} messages, ${a.entries} audit entries, digest ${a.digest} -> ${a.dir}`,
        );
        io.out(
          a.timestampedAt
            ? `timestamped by ${tsa!.url} at ${a.timestampedAt.toISOString()}`
            : 'not timestamped: no TSA is configured (XIETONG_TSA_URL, XIETONG_TSA_CERT_FILE)',
        );
      } finally {
        await db.close();
      }
    });
}

function registerVerify(archive: Command, io: CliIo): void {
  archive
    .command('verify')
    .description(
      'check a directory of archives offline: files, signatures, links, timestamp tokens and the audit chain; exit 1 naming the file or link that fails',
    )
    .requiredOption('--dir <dir>', 'the directory `archive export --out` wrote')
    .requiredOption('--authority <file>', 'zone authority public JWK, the trust anchor')
    .option('--tsa-cert <file>', "the TSA's certificate (PEM); default: the archive's tsa.crt, signed with it")
    .action(async (o: { dir: string; authority: string; tsaCert?: string }) => {
      const cert = o.tsaCert ? await readFile(o.tsaCert, 'utf8') : undefined;
      const r = await verifyArchives(o.dir, await readJwk(o.authority), cert);
      if (!r.ok) {
        for (const f of r.findings) io.err(`archive verify FAILED: ${f}`);
        throw new CliExit(1);
      }
      for (const a of r.archives)
        io.out(
          `${a.dir}: ${a.from} .. ${a.until}, ${a.timestampedAt ? `timestamped ${a.timestampedAt.toISOString()}` : 'not timestamped'}`,
        );
      io.out(
        `${r.archives.length} archives verified: ${r.records} records, ${r.receipts} receipts, ${r.signatures} record signatures, ${r.entries} audit entries chained, ${r.checkpoints} checkpoints, ${r.countersignatures} countersignatures; TSA certificate: ${r.tsaCertificate === 'given' ? '--tsa-cert' : r.tsaCertificate === 'archive' ? "the archive's tsa.crt" : 'none'}`,
      );
    });
}

function registerPrune(archive: Command, io: CliIo): void {
  withDatabase(
    archive
      .command('prune')
      .description(
        'delete from the database what the archives ending by --until hold (settled messages, audit entries, checkpoints); audit verify then starts from the last archive',
      ),
  )
    .requiredOption(
      '--until <instant>',
      'retention cut-off, ISO 8601: only archives ending by then are pruned',
      isoInstant,
    )
    .action(async (o: DatabaseOptions & { until: string }) => {
      const config = gatewayConfigFor(o.agency, o);
      const db = await Database.open(config.database, { migrate: false });
      try {
        const { archive: a, deleted } = await pruneArchived(o.agency, new Date(o.until), new ArchiveRepository(db));
        const counts = Object.entries(deleted)
          .map(([table, n]) => `${n} ${table}`)
          .join(', ');
        io.out(
          `pruned up to archive ${a.seq} (until ${a.untilAt.toISOString()}): ${counts}; the audit chain now starts after entry ${a.auditSeq}`,
        );
      } finally {
        await db.close();
      }
    });
}
