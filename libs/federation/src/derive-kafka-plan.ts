import { DomainError } from '@xietong/contracts';
import {
  inboundGroup,
  type KafkaPlan,
  type PlannedAcl,
  type PlannedQuota,
  type PlannedTopic,
} from '@xietong/messaging';
import { Federation } from './federation';
import type { Manifest, MemberQuota } from './manifest';

export interface KafkaPlanOptions {
  partitions?: number;
  replicationFactor?: number;
  minInsyncReplicas?: number;
  /** Retention of inbox and dead-letter records (default 14 days: longer than a Spring Festival closure). */
  retentionDays?: number;
  /** Kafka principal of a member (default `User:<member id>`, the SCRAM user name). */
  principal?: (memberId: string) => string;
  /** Quotas of a member without its own in the manifest (default {@link DEFAULT_MEMBER_QUOTA}). */
  quota?: Partial<MemberQuota>;
}

export const DEFAULT_RETENTION_DAYS = 14;

/**
 * Per member and per broker (each broker enforces its own share): 1 MiB/s of produce, about 500
 * leads of 2 KB a second on each broker, several times what the relay sends catching up a day's
 * outbox; and half of one request-handler thread's time, so a member flooding with small
 * requests cannot starve the others either.
 */
export const DEFAULT_MEMBER_QUOTA: MemberQuota = { producerByteRate: 1_048_576, requestPercentage: 50 };

/**
 * Topics, ACLs and client quotas of a federation, derived from its signed manifest. Each member
 * may READ its own inbox and consumer group, WRITE (and DESCRIBE_CONFIGS) the inboxes of members
 * it shares an agreement with, its own inbox (quarantine replay puts records back there) and its
 * own dead-letter topic, and IDEMPOTENT_WRITE on the cluster; nothing else. Each member's
 * principal gets a produce byte rate and a request percentage: its manifest `quota`, else the default.
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
  const defaultQuota = { ...DEFAULT_MEMBER_QUOTA, ...o.quota };
  assertQuota(defaultQuota, 'the default quota');
  const principal = o.principal ?? ((id: string) => `User:${id}`);
  const configs = {
    'retention.ms': String(retentionDays * 86_400_000),
    'min.insync.replicas': String(minInsync),
  };
  const topics: PlannedTopic[] = [];
  const acls: PlannedAcl[] = [];
  const quotas: PlannedQuota[] = [];
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
      { principal: p, resourceType: 'TOPIC', resourceName: inbox, operation: 'WRITE' },
      { principal: p, resourceType: 'TOPIC', resourceName: inbox, operation: 'DESCRIBE_CONFIGS' },
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
    if (!p.startsWith('User:'))
      throw new DomainError('CONFIG_INVALID', `principal ${p} of member ${id} is not User:<name>: quotas are per user`);
    const q = { ...defaultQuota, ...fed.requireMember(id).quota };
    quotas.push({
      principal: p,
      quotas: { producer_byte_rate: q.producerByteRate, request_percentage: q.requestPercentage },
    });
  }
  return {
    federation: fed.id,
    topics,
    acls,
    quotas,
    scope: { topicPrefix: `${fed.id}.`, groupPrefix: inboundGroup('', fed.id) },
  };
}

function assertQuota(q: MemberQuota, what: string): void {
  if (!Number.isInteger(q.producerByteRate) || q.producerByteRate < 1024)
    throw new DomainError(
      'CONFIG_INVALID',
      `${what}: producer byte rate must be an integer of at least 1024 (bytes/s)`,
    );
  if (!(q.requestPercentage > 0))
    throw new DomainError('CONFIG_INVALID', `${what}: request percentage must be above 0`);
}

/** The plan as text: one line per topic, then one per ACL grouped by principal, then the quotas. */
export function formatKafkaPlan(plan: KafkaPlan): string {
  const lines = [`federation ${plan.federation}`, 'topics:'];
  for (const t of plan.topics) {
    const days = Number(t.configs['retention.ms']) / 86_400_000;
    lines.push(
      `  ${t.name}  partitions=${t.partitions} rf=${t.replicationFactor} min.insync.replicas=${t.configs['min.insync.replicas']} retention=${days}d`,
    );
  }
  lines.push('acls (ALLOW, literal, any host; nothing else is allowed, no prefixed, wildcard or DENY rule):');
  for (const a of plan.acls)
    lines.push(`  ${a.principal}  ${a.operation}  ${a.resourceType.toLowerCase()}:${a.resourceName}`);
  lines.push('client quotas (per broker; no other quota on these users):');
  for (const q of plan.quotas)
    lines.push(
      `  ${q.principal}  producer_byte_rate=${q.quotas.producer_byte_rate}  request_percentage=${q.quotas.request_percentage}`,
    );
  return lines.join('\n');
}
