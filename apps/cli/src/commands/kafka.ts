import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { loadKafkaConnection } from '@xietong/config';
import {
  aclKey,
  applyKafkaDiff,
  createKafka,
  describeKafkaFailure,
  diffKafkaPlan,
  type KafkaPlan,
  type KafkaPlanDiff,
} from '@xietong/messaging';
import { DomainError } from '@xietong/contracts';
import { DEFAULT_RETENTION_DAYS, formatKafkaPlan, planKafka, readJwk, verifyManifest } from '@xietong/federation';
import type { CliDeps } from '../cli-io';
import { positiveInt } from '../options';

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
}
