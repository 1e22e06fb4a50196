import { DomainError } from '@xietong/contracts';
import { inboundGroup, type KafkaPlan, type PlannedAcl, type PlannedTopic } from '@xietong/messaging';
import { Federation } from './federation';
import type { Manifest } from './manifest';

export interface KafkaPlanOptions {
  partitions?: number;
  replicationFactor?: number;
  minInsyncReplicas?: number;
  /** Retention of inbox and dead-letter records (default 14 days: longer than a Spring Festival closure). */
  retentionDays?: number;
  /** Kafka principal of a member (default `User:<member id>`, the SCRAM user name). */
  principal?: (memberId: string) => string;
}

export const DEFAULT_RETENTION_DAYS = 14;

/**
 * Topics and ACLs of a federation, derived from its signed manifest. Each member may READ its own
 * inbox and consumer group, WRITE (and DESCRIBE_CONFIGS) the inboxes of members it shares an
 * agreement with and its own dead-letter topic, and IDEMPOTENT_WRITE on the cluster; nothing else.
 */
export function planKafka(manifest: Manifest, o: KafkaPlanOptions = {}): KafkaPlan {
  const fed = new Federation(manifest);
  const partitions = o.partitions ?? 3;
  const replicationFactor = o.replicationFactor ?? 3;
  const minInsync = o.minInsyncReplicas ?? Math.min(2, replicationFactor);
  const retentionDays = o.retentionDays ?? DEFAULT_RETENTION_DAYS;
  if (minInsync > replicationFactor)
    throw new DomainError(
      'CONFIG_INVALID',
      `min.insync.replicas ${minInsync} exceeds the replication factor ${replicationFactor}`,
    );
  if (retentionDays <= 0) throw new DomainError('CONFIG_INVALID', 'retention must be at least one day');
  const principal = o.principal ?? ((id: string) => `User:${id}`);
  const configs = {
    'retention.ms': String(retentionDays * 86_400_000),
    'min.insync.replicas': String(minInsync),
  };
  const topics: PlannedTopic[] = [];
  const acls: PlannedAcl[] = [];
  const members = [...fed.memberIds()].sort();
  for (const id of members) {
    const inbox = fed.requireMember(id).inbox;
    const dlq = fed.deadLetterTopic(id);
    topics.push(
      { name: inbox, partitions, replicationFactor, configs },
      { name: dlq, partitions, replicationFactor, configs },
    );
    const p = principal(id);
    acls.push(
      { principal: p, resourceType: 'TOPIC', resourceName: inbox, operation: 'READ' },
      { principal: p, resourceType: 'GROUP', resourceName: fed.inboundGroup(id), operation: 'READ' },
      { principal: p, resourceType: 'TOPIC', resourceName: dlq, operation: 'WRITE' },
      { principal: p, resourceType: 'TOPIC', resourceName: dlq, operation: 'DESCRIBE_CONFIGS' },
    );
    for (const partner of fed.partners(id).sort()) {
      const theirs = fed.requireMember(partner).inbox;
      acls.push(
        { principal: p, resourceType: 'TOPIC', resourceName: theirs, operation: 'WRITE' },
        { principal: p, resourceType: 'TOPIC', resourceName: theirs, operation: 'DESCRIBE_CONFIGS' },
      );
    }
    acls.push({ principal: p, resourceType: 'CLUSTER', resourceName: 'kafka-cluster', operation: 'IDEMPOTENT_WRITE' });
  }
  return {
    federation: fed.id,
    topics,
    acls,
    scope: { topicPrefix: `${fed.id}.`, groupPrefix: inboundGroup('', fed.id) },
  };
}

/** The plan as text: one line per topic, then one per ACL, grouped by principal. */
export function formatKafkaPlan(plan: KafkaPlan): string {
  const lines = [`federation ${plan.federation}`, 'topics:'];
  for (const t of plan.topics) {
    const days = Number(t.configs['retention.ms']) / 86_400_000;
    lines.push(
      `  ${t.name}  partitions=${t.partitions} rf=${t.replicationFactor} min.insync.replicas=${t.configs['min.insync.replicas']} retention=${days}d`,
    );
  }
  lines.push('acls (ALLOW, literal; nothing else is allowed):');
  for (const a of plan.acls)
    lines.push(`  ${a.principal}  ${a.operation}  ${a.resourceType.toLowerCase()}:${a.resourceName}`);
  return lines.join('\n');
}
