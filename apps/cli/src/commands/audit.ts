import { readFile, writeFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import {
  AuditCheckpointer,
  exportCaseTrail,
  LocalKeys,
  MonthlyReport,
  verifyAuditTrail,
  parseWitnessExport,
  silentLogs,
  verifyCaseTrail,
  WireCodec,
  witnessExport,
  type CaseTrail,
} from '@xietong/exchange';
import {
  AuditRepository,
  CaseRepository,
  Database,
  ManifestArchiveRepository,
  MessageRepository,
  type WitnessedCheckpoint,
} from '@xietong/persistence';
import { WorkingDayCalendar } from '@xietong/workflow';
import { Federation, readJwk, verifyManifest } from '@xietong/federation';
import { CliExit, type CliDeps, type CliIo } from '../cli-io';
import { gatewayConfigFor } from '../options';

/** `audit verify`, `export`, `witnesses export` and `report`, offline on a gateway's database. */
export function registerAuditCommands(program: Command, { io }: CliDeps): void {
  const audit = program.command('audit').description('verify the audit trail of a gateway');
  registerVerify(audit, io);
  registerExport(audit, io);
  registerWitnessesExport(audit, io);
  registerReport(audit, io);
}

function registerVerify(audit: Command, io: CliIo): void {
  audit
    .command('verify')
    .description(
      're-walk the hash chain, the signed checkpoints and the stored signatures of a gateway database (or of an exported file); exit 1 naming the first entry that does not match',
    )
    .option('--agency <id>', 'the gateway whose trail this is (database mode)')
    .option('--file <file>', 'an exported case trail to verify offline (needs --authority)')
    .option('--authority <file>', 'zone authority public JWK, the trust anchor for --file')
    .option('--database-url <url>', 'postgres://… or sqlite:<file> (default: the gateway configuration)')
    .option('--schema <schema>', 'PostgreSQL schema of that gateway')
    .option('--federation-dir <dir>', 'where manifest.jws and authority.public.jwk.json are')
    .option(
      '--witnesses <files...>',
      "partners' witness exports (`audit witnesses export` at each partner): the chain must agree with every checkpoint they witnessed",
    )
    .action(
      async (o: {
        agency?: string;
        file?: string;
        authority?: string;
        databaseUrl?: string;
        schema?: string;
        federationDir?: string;
        witnesses?: string[];
      }) => {
        if (o.file) {
          if (!o.authority) throw new InvalidArgumentError('--file needs --authority <zone authority public JWK>');
          const trail = JSON.parse(await readFile(o.file, 'utf8')) as CaseTrail;
          const problem = await verifyCaseTrail(trail, await readJwk(o.authority));
          if (problem) {
            io.err(`trail of ${trail.caseNo} FAILED: ${problem}`);
            throw new CliExit(1);
          }
          const witnesses = (trail.witnesses ?? []).map((w) => w.witness);
          io.out(
            `trail of ${trail.caseNo} verified offline: ${trail.segment.length} audit entries up to signed checkpoint ${trail.checkpoint.seq}, ${trail.messages.length} message signatures; ${witnesses.length ? `the checkpoint is countersigned by ${witnesses.join(', ')}` : 'no partner countersigned the checkpoint'}`,
          );
          return;
        }
        if (!o.agency) throw new InvalidArgumentError('give --agency (database) or --file (exported trail)');
        const agency = o.agency;
        const config = gatewayConfigFor(agency, o);
        const authority = await readJwk(config.federation.authorityKeyFile);
        const federation = new Federation(
          await verifyManifest(await readFile(config.federation.manifestFile, 'utf8'), authority),
        );
        const db = await Database.open(config.database, { migrate: false });
        try {
          // Archived manifests count only if the zone authority signed them (expired ones included).
          const manifests = new Map<number, Federation>();
          for (const a of await new ManifestArchiveRepository(db).all())
            manifests.set(a.serial, new Federation(await verifyManifest(a.jws, authority, new Date(0))));
          const witnesses: WitnessedCheckpoint[] | undefined = o.witnesses ? [] : undefined;
          for (const f of o.witnesses ?? []) witnesses!.push(...parseWitnessExport(await readFile(f, 'utf8'), f));
          const r = await verifyAuditTrail(
            agency,
            new AuditRepository(db),
            federation,
            { messages: new MessageRepository(db), manifests, codec: new WireCodec(config.schemasDir) },
            witnesses,
          );
          if (!r.ok) {
            for (const f of r.findings.length ? r.findings : [r.finding!]) {
              const where = f.messageId ? `stored message ${f.messageId}` : `entry ${f.seq}`;
              io.err(`audit trail of ${agency} FAILED at ${where}: ${f.problem}`);
            }
            throw new CliExit(1);
          }
          io.out(
            `audit trail of ${agency} verified: ${r.entries} entries, ${r.checkpoints} signed checkpoints, ${r.signatures} message signatures, ${r.columns} messages' stored columns match their records, ${r.erased} erased messages match their signed erasure entries, head ${r.head.seq} ${r.head.hash}${r.pending ? ` (${r.pending} newer events not chained yet)` : ''}`,
          );
          if (witnesses)
            io.out(
              `witnesses: the chain agrees with ${r.witnessed} checkpoints partners witnessed (${o.witnesses!.length} files)`,
            );
          io.out(
            r.unsigned === 0
              ? `window of trust: every entry is covered by a signed checkpoint`
              : `window of trust: ${r.unsigned} entries after the last signed checkpoint (entry ${r.entries - r.unsigned}) could be cut or rewritten unseen`,
          );
        } finally {
          await db.close();
        }
      },
    );
}

function registerExport(audit: Command, io: CliIo): void {
  audit
    .command('export')
    .description(
      'write the whole trail of one case (audit segment, signed checkpoint, messages with their signed bytes, manifests) to one file that verify --file accepts offline',
    )
    .requiredOption('--agency <id>', 'the gateway whose trail this is')
    .requiredOption('--case <caseNo>', 'leadNo or complaintNo')
    .requiredOption('--out <file>', 'where to write the JSON file')
    .option('--database-url <url>', 'postgres://… or sqlite:<file> (default: the gateway configuration)')
    .option('--schema <schema>', 'PostgreSQL schema of that gateway')
    .option('--federation-dir <dir>', 'where the gateway keys are (a checkpoint is signed if none covers the case yet)')
    .action(
      async (o: {
        agency: string;
        case: string;
        out: string;
        databaseUrl?: string;
        schema?: string;
        federationDir?: string;
      }) => {
        const config = gatewayConfigFor(o.agency, o);
        const db = await Database.open(config.database, { migrate: false });
        try {
          const audit = new AuditRepository(db);
          const keys = await LocalKeys.load(config.federation.signingKeyFile, config.federation.encryptionKeyFile);
          // Cadence and log play no part in one explicit checkpoint.
          const cadence = { intervalMs: 60_000, entries: 1_000 };
          await new AuditCheckpointer(o.agency, audit, keys.signer, cadence, silentLogs).checkpoint();
          const trail = await exportCaseTrail(o.agency, o.case, {
            audit,
            messages: new MessageRepository(db),
            archive: new ManifestArchiveRepository(db),
          });
          await writeFile(o.out, JSON.stringify(trail, null, 2) + '\n');
          const witnesses = (trail.witnesses ?? []).map((w) => w.witness);
          io.out(
            `trail of ${o.case}: ${trail.segment.length} audit entries up to signed checkpoint ${trail.checkpoint.seq} (${witnesses.length ? `countersigned by ${witnesses.join(', ')}` : 'no partner countersigned one covering the case yet'}), ${trail.messages.length} messages, ${trail.manifests.length} manifests -> ${o.out}`,
          );
        } finally {
          await db.close();
        }
      },
    );
}

function registerWitnessesExport(audit: Command, io: CliIo): void {
  audit
    .command('witnesses')
    .description("checkpoints of partners' audit chains that this gateway witnessed (countersigned)")
    .command('export')
    .description(
      "write the checkpoints this gateway witnessed to a file a partner's auditor passes to `audit verify --witnesses`",
    )
    .requiredOption('--agency <id>', 'this gateway (the witness)')
    .requiredOption('--out <file>', 'where to write the JSON file')
    .option('--for <id>', "only the checkpoints of this partner's chain")
    .option('--database-url <url>', 'postgres://… or sqlite:<file> (default: the gateway configuration)')
    .option('--schema <schema>', 'PostgreSQL schema of that gateway')
    .option('--federation-dir <dir>', 'federation directory of the gateway configuration')
    .action(
      async (o: {
        agency: string;
        out: string;
        for?: string;
        databaseUrl?: string;
        schema?: string;
        federationDir?: string;
      }) => {
        const config = gatewayConfigFor(o.agency, o);
        const db = await Database.open(config.database, { migrate: false });
        try {
          const rows = await new AuditRepository(db).witnessed({ agency: o.for, witness: o.agency });
          const doc = witnessExport(o.agency, rows);
          await writeFile(o.out, JSON.stringify(doc, null, 2) + '\n');
          const chains = [...new Set(rows.map((r) => r.agency))].join(', ') || 'none';
          io.out(`${doc.checkpoints.length} checkpoints witnessed by ${o.agency} (chains of ${chains}) -> ${o.out}`);
        } finally {
          await db.close();
        }
      },
    );
}

function registerReport(audit: Command, io: CliIo): void {
  audit
    .command('report')
    .description('monthly report of the leading group office: per partner and message type (JSON or CSV)')
    .requiredOption('--agency <id>', 'the gateway whose flows to report')
    .requiredOption('--month <YYYY-MM>', 'month (Asia/Shanghai)')
    .option('--format <format>', 'json or csv', 'json')
    .option('--database-url <url>', 'postgres://… or sqlite:<file> (default: the gateway configuration)')
    .option('--schema <schema>', 'PostgreSQL schema of that gateway')
    .action(async (o: { agency: string; month: string; format: string; databaseUrl?: string; schema?: string }) => {
      if (o.format !== 'json' && o.format !== 'csv') throw new InvalidArgumentError('--format must be json or csv');
      const config = gatewayConfigFor(o.agency, o);
      const db = await Database.open(config.database, { migrate: false });
      try {
        const report = await new MonthlyReport(
          new MessageRepository(db),
          new CaseRepository(db),
          WorkingDayCalendar.load(),
        ).build(o.month);
        io.out(o.format === 'csv' ? MonthlyReport.csv(report).trimEnd() : JSON.stringify(report, null, 2));
      } finally {
        await db.close();
      }
    });
}
