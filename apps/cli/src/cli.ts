import { readFile, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { FEDERATION_ID, loadGatewayConfig, loadKafkaConnection, repoRoot } from '@xietong/config';
import {
  aclKey,
  applyKafkaDiff,
  createKafka,
  describeKafkaFailure,
  diffKafkaPlan,
  type KafkaPlan,
  type KafkaPlanDiff,
} from '@xietong/messaging';
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
import {
  assertCompatible,
  assertEnvelopeCompatible,
  isEnvelopeSchema,
  parseSchema,
  rabinFingerprintOf,
  SchemaCatalog,
  DomainError,
} from '@xietong/contracts';
import { generateEncryptionKey, generateSigningKey, isSigningAlgorithm, type SigningAlgorithm } from '@xietong/crypto';
import {
  checkUscc,
  DivisionCodes,
  isValidResidentId,
  maskResidentId,
  TimeLimits,
  WorkingDayCalendar,
} from '@xietong/workflow';
import { wireExample } from './wire-example';
import { VECTOR_NOW, writeConformanceVectors } from './conformance-vectors';
import { issueToken, ROLES, type Role } from '@xietong/gateway';
import {
  DEFAULT_RETENTION_DAYS,
  federationFiles,
  Federation,
  formatKafkaPlan,
  initFederation,
  planKafka,
  loadZoneData,
  readJwk,
  signManifest,
  verifyManifest,
  type Manifest,
} from '@xietong/federation';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const stdio: CliIo = { out: (t) => process.stdout.write(t + '\n'), err: (t) => process.stderr.write(t + '\n') };

const isoInstant = (v: string) => {
  if (Number.isNaN(Date.parse(v))) throw new InvalidArgumentError('expected an ISO-8601 instant');
  return new Date(v).toISOString();
};

const memberList = (v: string) => {
  const ids = v.split(',').map((s) => s.trim());
  if (ids.length === 0 || ids.some((id) => !/^\d{6}$/.test(id)))
    throw new InvalidArgumentError('expected comma-separated six-digit agency ids');
  return ids;
};
const federationId = (v: string) => {
  if (!FEDERATION_ID.test(v)) throw new InvalidArgumentError('expected letters, digits, _ and - (at most 63)');
  return v;
};
interface PlanCliOptions {
  manifest: string;
  authority?: string;
  partitions: number;
  replicationFactor: number;
  minInsyncReplicas?: number;
  retentionDays: number;
}

/** The diff `kafka apply` shows before it changes anything. */
function formatKafkaDiff(plan: KafkaPlan, d: KafkaPlanDiff): string {
  const lines = [`federation ${plan.federation}: ${plan.topics.length} topics, ${plan.acls.length} ACLs planned`];
  for (const t of d.createTopics)
    lines.push(`+ topic ${t.name} partitions=${t.partitions} rf=${t.replicationFactor} ${JSON.stringify(t.configs)}`);
  for (const t of d.alterTopics)
    lines.push(`~ topic ${t.name}${t.partitions ? ` partitions->${t.partitions}` : ''} ${JSON.stringify(t.configs)}`);
  for (const w of d.warnings) lines.push(`! ${w}`);
  if (!d.aclsSupported) lines.push('! the cluster has no authorizer: ACLs are not applied (the simple local broker)');
  for (const a of d.addAcls) lines.push(`+ acl ${aclKey(a)}`);
  for (const a of d.removeAcls) lines.push(`- acl ${aclKey(a)}`);
  if (lines.length === 1) lines.push('no changes');
  return lines.join('\n');
}

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
const signingAlg = (v: string) => {
  if (!isSigningAlgorithm(v)) throw new InvalidArgumentError('expected EdDSA, ES256 or SM2');
  return v;
};

/** The `xietong` command line: keys, federation manifest and schema tools. */
export function buildCli(io: CliIo = stdio): Command {
  // Output and exit behaviour are set before subcommands are added so they inherit them.
  const program = new Command('xietong')
    .description('Xietong gateway tools: keys, signed federation manifest, schemas')
    .version(packageVersion(), '-V, --version', 'print the xietong version')
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  const keys = program.command('keys').description('generate agency keys');
  keys
    .command('generate')
    .description('write a new private JWK (signing or encryption) and print its public half')
    .requiredOption('--kid <kid>', 'key id, e.g. 341825-sig-2')
    .requiredOption('--out <file>', 'where to write the private JWK (mode 600)')
    .option('--use <use>', 'sig or enc', 'sig')
    .option('--alg <alg>', 'signing algorithm EdDSA, ES256 or SM2 (SM2 with SM3, GB/T 32918)', signingAlg, 'EdDSA')
    .action(async (o: { kid: string; out: string; use: string; alg: SigningAlgorithm }) => {
      if (o.use !== 'sig' && o.use !== 'enc') throw new InvalidArgumentError('--use must be sig or enc');
      const pair = o.use === 'sig' ? await generateSigningKey(o.alg, o.kid) : await generateEncryptionKey(o.kid);
      await writeFile(o.out, JSON.stringify(pair.privateJwk, null, 2) + '\n', { mode: 0o600 });
      io.out(JSON.stringify(pair.publicJwk, null, 2));
    });

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

  const kafka = program
    .command('kafka')
    .description("the zone operator's Kafka topics and ACLs, derived from the signed manifest");
  const planOptions = (c: Command) =>
    c
      .requiredOption('--manifest <file>', 'signed manifest (verified before use)')
      .option('--authority <file>', 'authority public JWK (default: authority.public.jwk.json beside the manifest)')
      .option('--partitions <n>', 'partitions per topic', positiveInt, 3)
      .option('--replication-factor <n>', 'replicas per partition', positiveInt, 3)
      .option('--min-insync-replicas <n>', 'min.insync.replicas (acks=all needs this many replicas)', positiveInt)
      .option(
        '--retention-days <n>',
        'retention of inbox and dead-letter records',
        positiveInt,
        DEFAULT_RETENTION_DAYS,
      );
  const loadPlan = async (o: PlanCliOptions) => {
    const authority = o.authority ?? join(dirname(o.manifest), 'authority.public.jwk.json');
    const m = await verifyManifest(await readFile(o.manifest, 'utf8'), await readJwk(authority));
    return planKafka(m, {
      partitions: o.partitions,
      replicationFactor: o.replicationFactor,
      minInsyncReplicas: o.minInsyncReplicas,
      retentionDays: o.retentionDays,
    });
  };
  planOptions(kafka.command('plan'))
    .description('print the topics (partitions, RF, min.insync.replicas, retention) and every ACL of the federation')
    .option('--json', 'the plan as JSON')
    .action(async (o: PlanCliOptions & { json?: boolean }) => {
      const plan = await loadPlan(o);
      io.out(o.json ? JSON.stringify(plan, null, 2) : formatKafkaPlan(plan));
    });
  planOptions(kafka.command('apply'))
    .description(
      'make the cluster match the plan as a super user: create missing topics and ACLs, remove ACLs of removed members and agreements (the diff is printed first). Connection from KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD_FILE, KAFKA_SSL_CA_FILE',
    )
    .option('--dry-run', 'print the diff only')
    .action(async (o: PlanCliOptions & { dryRun?: boolean }) => {
      const plan = await loadPlan(o);
      const settings = loadKafkaConnection(process.env, 'xietong-operator');
      const client = createKafka(settings);
      let diff: KafkaPlanDiff;
      try {
        diff = await diffKafkaPlan(client, plan);
      } catch (e) {
        throw new DomainError('KAFKA_CONNECT_FAILED', describeKafkaFailure(e, settings));
      }
      io.out(formatKafkaDiff(plan, diff));
      if (o.dryRun) return io.out('dry run: nothing changed');
      await applyKafkaDiff(client, diff);
      io.out('applied');
    });

  const manifest = program.command('manifest').description('sign, verify and show the federation manifest');
  manifest
    .command('sign')
    .description('sign a manifest JSON with the zone authority private key')
    .requiredOption('--in <file>', 'manifest JSON')
    .requiredOption('--key <file>', 'authority private JWK')
    .requiredOption('--out <file>', 'signed manifest (compact JWS)')
    .action(async (o: { in: string; key: string; out: string }) => {
      const payload = JSON.parse(await readFile(o.in, 'utf8')) as Manifest;
      const expires = Date.parse(String(payload.expiresAt));
      if (!(expires > Date.now())) {
        io.err(
          `error: manifest serial ${payload.serial} ${Number.isNaN(expires) ? 'has no valid expiresAt' : `expired at ${payload.expiresAt}`}; set a later expiresAt before signing`,
        );
        throw new CliExit(1);
      }
      await writeFile(o.out, (await signManifest(payload, await readJwk(o.key))) + '\n');
      io.out(`signed manifest serial ${payload.serial} -> ${o.out}`);
    });
  manifest
    .command('verify')
    .description('verify signature and expiry against the authority public key; exit 1 if invalid')
    .requiredOption('--in <file>', 'signed manifest')
    .requiredOption('--authority <file>', 'authority public JWK')
    .action(async (o: { in: string; authority: string }) => {
      const m = await verifyManifest(await readFile(o.in, 'utf8'), await readJwk(o.authority));
      io.out(
        `valid: serial ${m.serial}, issued ${m.issuedAt} by ${m.issuer}, expires ${m.expiresAt}, ${m.members.length} members, ${m.agreements.length} agreements, ${m.schemas.length} schemas`,
      );
    });
  manifest
    .command('show')
    .description('print a verified manifest: members, keys, agreements, schemas (--json for the payload)')
    .requiredOption('--in <file>', 'signed manifest')
    .requiredOption('--authority <file>', 'authority public JWK')
    .option('--json', 'print the payload JSON (edit it, then `manifest sign`)')
    .action(async (o: { in: string; authority: string; json?: boolean }) => {
      const m = await verifyManifest(await readFile(o.in, 'utf8'), await readJwk(o.authority));
      if (o.json) return io.out(JSON.stringify(m, null, 2));
      const f = new Federation(m);
      io.out(`manifest serial ${m.serial} (${m.issuer}), valid until ${m.expiresAt}`);
      io.out('members:');
      for (const mem of m.members) {
        io.out(`  ${mem.id} ${mem.name} inbox=${mem.inbox}`);
        for (const k of mem.signingKeys) io.out(`    sign ${k.kid} ${k.alg} ${k.notBefore} .. ${k.notAfter}`);
        io.out(`    enc  ${mem.encryptionKey.kid} ${mem.encryptionKey.alg}`);
      }
      io.out('agreements:');
      for (const a of m.agreements) {
        const parties = m.members
          .filter((mem) => f.agreementsFor(mem.id, mem.id, a.messageTypes[0] ?? 'LEAD').some((x) => x.id === a.id))
          .map((mem) => mem.id);
        io.out(
          `  ${a.id} ${a.name}: ${a.messageTypes.join(',')}; members ${a.members.join(',')}; gateways ${parties.join(',') || '-'}`,
        );
      }
      io.out('schemas:');
      for (const s of m.schemas) io.out(`  ${s.type} v${s.version} ${s.name} sha256:${s.fingerprint}`);
    });

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

  const quarantine = program
    .command('quarantine')
    .description("a gateway's quarantine, through its HTTP API (token: XIETONG_TOKEN or --token)");
  const api = async (o: { gateway: string; token?: string }, method: 'GET' | 'POST', path: string) => {
    const token = o.token ?? process.env.XIETONG_TOKEN;
    if (!token) throw new InvalidArgumentError('give a bearer token with --token or XIETONG_TOKEN');
    const res = await fetch(new URL(path, o.gateway), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { body: '{}' } : {}),
    }).catch((e: Error) => {
      io.err(`cannot reach ${o.gateway}: ${e.message}`);
      throw new CliExit(2);
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      io.err(`${res.status} ${String(body.error ?? '')}: ${String(body.message ?? res.statusText)}`);
      throw new CliExit(1);
    }
    return body;
  };
  quarantine
    .command('list')
    .description('refused records with reason codes (auditor role)')
    .requiredOption('--gateway <url>', 'gateway base URL, e.g. http://127.0.0.1:3001')
    .option('--token <jwt>', 'bearer token (default: XIETONG_TOKEN)')
    .option('--reason <code>', 'only this reason code')
    .action(async (o: { gateway: string; token?: string; reason?: string }) => {
      const body = await api(
        o,
        'GET',
        `/api/v1/quarantine${o.reason ? `?reason=${encodeURIComponent(o.reason)}` : ''}`,
      );
      for (const q of body.items as {
        id: string;
        reasonCode: string;
        messageId: string | null;
        claimedSender: string | null;
        receivedAt: string;
        replayedAt: string | null;
        reason: string;
      }[]) {
        io.out(
          `${q.id}\t${q.reasonCode}\t${q.receivedAt}\t${q.claimedSender ?? '-'}\t${q.messageId ?? '-'}\t${q.replayedAt ? `replayed ${q.replayedAt}` : ''}\t${q.reason.slice(0, 120)}`,
        );
      }
    });
  quarantine
    .command('replay')
    .description(
      'put a quarantined record back into the inbox once its cause is fixed (admin role); it is checked again like any record',
    )
    .requiredOption('--gateway <url>', 'gateway base URL')
    .requiredOption('--id <id>', 'quarantine row id (see quarantine list)')
    .option('--token <jwt>', 'bearer token (default: XIETONG_TOKEN)')
    .action(async (o: { gateway: string; token?: string; id: string }) => {
      const r = await api(o, 'POST', `/api/v1/quarantine/${encodeURIComponent(o.id)}/replay`);
      io.out(
        `record ${String(r.quarantineId)} replayed into ${String(r.topic)}[${String(r.partition)}]@${String(r.offset)}`,
      );
    });

  const audit = program.command('audit').description('verify the audit trail of a gateway');
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
            `audit trail of ${agency} verified: ${r.entries} entries, ${r.checkpoints} signed checkpoints, ${r.signatures} message signatures, ${r.columns} messages' stored columns match their records, head ${r.head.seq} ${r.head.hash}${r.pending ? ` (${r.pending} newer events not chained yet)` : ''}`,
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

  program
    .command('deadline')
    .description('due date of a time limit on the working-day calendar (libs/workflow/data)')
    .requiredOption('--received <date>', 'day the clock starts (not counted), YYYY-MM-DD')
    .option('--working-days <n>', 'count this many working days', positiveInt)
    .option('--days <n>', 'count this many calendar days', positiveInt)
    .option('--limit <id>', 'a named time limit, e.g. lead-feedback, complaint-acceptance (see --list)')
    .option('--extensions <n>', 'extensions granted for --limit', (v) => Number(v), 0)
    .option('--list', 'list the named time limits')
    .action(
      (o: {
        received: string;
        workingDays?: number;
        days?: number;
        limit?: string;
        extensions: number;
        list?: boolean;
      }) => {
        const calendar = WorkingDayCalendar.load();
        const limits = TimeLimits.load(calendar);
        if (o.list) {
          for (const l of limits.all())
            io.out(
              `${l.id}\t${l.days} ${l.unit} days${l.extension ? ` (+${l.extension.days} x${l.extension.times})` : ''}\t${l.name}${l.check ? ' (check)' : ''}`,
            );
          return;
        }
        const chosen = [o.workingDays, o.days, o.limit].filter((x) => x !== undefined).length;
        if (chosen !== 1) throw new InvalidArgumentError('give exactly one of --working-days, --days or --limit');
        const due = o.limit
          ? limits.due(o.limit, o.received, o.extensions)
          : o.workingDays !== undefined
            ? calendar.addWorkingDays(o.received, o.workingDays)
            : calendar.addCalendarDays(o.received, o.days!);
        io.out(due.provisional ? `${due.due} (${provisionalNote(calendar, o.received, due.due)})` : due.due);
      },
    );

  program
    .command('check-uscc')
    .description('check a unified social credit code (GB 32100); exit 1 if malformed or the check character fails')
    .argument('<code>')
    .action((code: string) => {
      const r = checkUscc(code);
      if (r.valid) return io.out(`${r.code}: valid`);
      io.err(`${r.code}: ${r.problem === 'checksum' ? 'checksum mismatch' : 'malformed'}: ${r.message}`);
      throw new CliExit(1);
    });

  program
    .command('check-id')
    .description(
      'check a resident identity number (GB 11643: birth date and check character); exit 1 if it fails. The number is echoed masked',
    )
    .argument('<idNumber>')
    .action((id: string) => {
      const masked = maskResidentId(id.trim().toUpperCase());
      if (isValidResidentId(id)) return io.out(`${masked}: valid`);
      io.err(`${masked}: invalid: not 18 characters, an impossible birth date or a wrong check character`);
      throw new CliExit(1);
    });

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

  return program;
}

/** A gateway's configuration for an offline tool: its environment, with the options given. */
function gatewayConfigFor(agency: string, o: { databaseUrl?: string; schema?: string; federationDir?: string }) {
  return loadGatewayConfig(
    {
      ...process.env,
      XIETONG_AGENCY_ID: agency,
      ...(o.databaseUrl ? { XIETONG_DATABASE_URL: o.databaseUrl } : {}),
      ...(o.schema ? { XIETONG_DATABASE_SCHEMA: o.schema } : {}),
      ...(o.federationDir ? { XIETONG_FEDERATION_DIR: o.federationDir } : {}),
    },
    { offlineTool: true },
  );
}

/** Ends a command with an exit code after it printed its own explanation. */
class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** The version in the repository's package.json. */
/** Why a due date is provisional: the years counted whose State Council schedule is not loaded. */
function provisionalNote(calendar: WorkingDayCalendar, received: string, due: string): string {
  const loaded = new Set(calendar.loadedYears());
  const missing: number[] = [];
  for (let y = Number(received.slice(0, 4)); y <= Number(due.slice(0, 4)); y++) if (!loaded.has(y)) missing.push(y);
  return (
    `provisional: no published holiday schedule for ${missing.join(', ')}; ` +
    'statutory holidays counted, substitute days off and make-up working days unknown'
  );
}

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
