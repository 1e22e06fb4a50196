import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { kafkaToolsLib, loadKafkaConnection, repoRoot } from '@xietong/config';
import {
  aclKey,
  applyKafkaDiff,
  createKafka,
  describeKafkaFailure,
  diffKafkaPlan,
  JavaClientQuotas,
  type KafkaPlan,
  type KafkaPlanDiff,
} from '@xietong/messaging';
import { DomainError } from '@xietong/contracts';
import {
  DEFAULT_MEMBER_QUOTA,
  DEFAULT_RETENTION_DAYS,
  formatKafkaPlan,
  planKafka,
  readJwk,
  verifyManifest,
} from '@xietong/federation';
import type { CliDeps } from '../cli-io';
import { positiveInt } from '../options';

interface PlanCliOptions {
  manifest: string;
  authority?: string;
  partitions: number;
  replicationFactor: number;
  minInsyncReplicas?: number;
  retentionDays: number;
  producerByteRate: number;
  requestPercentage: number;
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
  if (!d.quotasManaged) lines.push('! client quotas left as they are (--no-quotas)');
  for (const a of d.addAcls) lines.push(`+ acl ${aclKey(a)}`);
  for (const a of d.removeAcls) lines.push(`- acl ${aclKey(a)}`);
  for (const q of d.quotaChanges) {
    const set = Object.entries(q.set).map(([k, v]) => `${k}=${v}`);
    if (set.length > 0) lines.push(`~ quota User:${q.user} ${set.join(' ')}`);
    if (q.remove.length > 0) lines.push(`- quota User:${q.user} ${q.remove.join(' ')}`);
  }
  if (lines.length === 1) lines.push('no changes');
  return lines.join('\n');
}

/** `kafka plan` and `kafka apply`: the zone operator's topics and ACLs. */
export function registerKafkaCommands(program: Command, { io }: CliDeps): void {
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
      .option('--retention-days <n>', 'retention of inbox and dead-letter records', positiveInt, DEFAULT_RETENTION_DAYS)
      .option(
        '--producer-byte-rate <n>',
        "each member's produce quota per broker, bytes/s, unless its manifest entry has a quota",
        positiveInt,
        DEFAULT_MEMBER_QUOTA.producerByteRate,
      )
      .option(
        '--request-percentage <n>',
        "each member's request-time quota per broker, % of one thread, unless its manifest entry has a quota",
        positiveInt,
        DEFAULT_MEMBER_QUOTA.requestPercentage,
      );
  const loadPlan = async (o: PlanCliOptions) => {
    const authority = o.authority ?? join(dirname(o.manifest), 'authority.public.jwk.json');
    const m = await verifyManifest(await readFile(o.manifest, 'utf8'), await readJwk(authority));
    return planKafka(m, {
      partitions: o.partitions,
      replicationFactor: o.replicationFactor,
      minInsyncReplicas: o.minInsyncReplicas,
      retentionDays: o.retentionDays,
      quota: { producerByteRate: o.producerByteRate, requestPercentage: o.requestPercentage },
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
      "make the cluster match the plan as a super user: create missing topics and ACLs, remove every other ACL of the federation and its members (prefixed, wildcard, DENY, removed members and agreements), set the members' client quotas and remove stale ones (the diff is printed first). Connection from KAFKA_BROKERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD_FILE, KAFKA_SSL_CA_FILE",
    )
    .option('--dry-run', 'print the diff only')
    .option(
      '--no-quotas',
      "leave client quotas as they are (quotas need Java 17 and Apache Kafka's jars in KAFKA_TOOLS_LIB, default .kafka/lib)",
    )
    .action(async (o: PlanCliOptions & { dryRun?: boolean; quotas: boolean }) => {
      const plan = await loadPlan(o);
      const settings = loadKafkaConnection(process.env, 'xietong-operator');
      const client = createKafka(settings);
      const quotas = o.quotas
        ? new JavaClientQuotas(
            settings,
            kafkaToolsLib(process.env),
            join(repoRoot(), 'tools', 'kafka', 'ClientQuotas.java'),
          )
        : undefined;
      let diff: KafkaPlanDiff;
      try {
        diff = await diffKafkaPlan(client, plan, quotas);
      } catch (e) {
        if (e instanceof DomainError) throw e;
        throw new DomainError('KAFKA_CONNECT_FAILED', describeKafkaFailure(e, settings));
      }
      io.out(formatKafkaDiff(plan, diff));
      if (o.dryRun) return io.out('dry run: nothing changed');
      await applyKafkaDiff(client, diff, quotas);
      io.out('applied');
    });
}
