import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type Kafka } from 'kafkajs';
import { ConfigResourceTypes } from 'kafkajs';
import type { ClientQuotaAdmin, QuotaChange, QuotaKey } from './client-quotas';
import { aclKey, aclsToRemove, quotaChanges } from './diff-kafka-plan';

/** A topic as the zone operator wants it. */
export interface PlannedTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Topic configs: retention.ms, min.insync.replicas. */
  configs: Record<string, string>;
}

export type AclResource = 'TOPIC' | 'GROUP' | 'CLUSTER';
export type AclOperation = 'READ' | 'WRITE' | 'DESCRIBE_CONFIGS' | 'IDEMPOTENT_WRITE';

/** One ALLOW rule for one principal on one literal resource, from any host. */
export interface PlannedAcl {
  principal: string;
  resourceType: AclResource;
  resourceName: string;
  operation: AclOperation;
}

/**
 * An ACL as the cluster holds it: any resource type, operation, pattern, permission and host
 * (names as kafkajs's enums spell them: TOPIC, TRANSACTIONAL_ID, ALL, DESCRIBE...).
 */
export interface ClusterAcl {
  principal: string;
  resourceType: string;
  resourceName: string;
  operation: string;
  patternType: 'LITERAL' | 'PREFIXED';
  permission: 'ALLOW' | 'DENY';
  host: string;
}

/** Client quotas of one member principal (`User:<member>`), enforced by each broker on its own. */
export interface PlannedQuota {
  principal: string;
  quotas: Record<QuotaKey, number>;
}

/**
 * What the cluster should hold for one federation. `scope` names what the federation owns: an
 * ACL that can reach a topic or group under one of its prefixes is removed when not planned, and
 * so is any other ACL of a member principal but its literal grants elsewhere ({@link aclsToRemove}).
 */
export interface KafkaPlan {
  federation: string;
  topics: PlannedTopic[];
  acls: PlannedAcl[];
  quotas: PlannedQuota[];
  scope: { topicPrefix: string; groupPrefix: string };
}

export interface KafkaPlanDiff {
  createTopics: PlannedTopic[];
  alterTopics: { name: string; configs: Record<string, string>; partitions?: number }[];
  /** Differences apply cannot fix (replication factor of an existing topic). */
  warnings: string[];
  addAcls: PlannedAcl[];
  removeAcls: ClusterAcl[];
  /** False on a broker without an authorizer (the simple local broker): ACLs are not applied there. */
  aclsSupported: boolean;
  quotaChanges: QuotaChange[];
  /** False when the caller gave no quota admin: quotas were neither read nor changed. */
  quotasManaged: boolean;
}

/**
 * Compares the cluster with the plan (reads only). Client quotas are compared only with `quotas`
 * (kafkajs has no quota API; the CLI binds Kafka's own Admin client).
 */
export async function diffKafkaPlan(kafka: Kafka, plan: KafkaPlan, quotas?: ClientQuotaAdmin): Promise<KafkaPlanDiff> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const createTopics = plan.topics.filter((t) => !existing.has(t.name));
    const present = plan.topics.filter((t) => existing.has(t.name));
    const alterTopics: KafkaPlanDiff['alterTopics'] = [];
    const warnings: string[] = [];
    if (present.length > 0) {
      const meta = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: present.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name })),
      });
      for (const t of present) {
        const m = meta.topics.find((x) => x.name === t.name);
        const have = new Map(
          (configs.resources.find((r) => r.resourceName === t.name)?.configEntries ?? []).map((c) => [
            c.configName,
            c.configValue,
          ]),
        );
        const changed = Object.fromEntries(Object.entries(t.configs).filter(([k, v]) => have.get(k) !== v));
        const partitions = m && m.partitions.length < t.partitions ? t.partitions : undefined;
        if (m && m.partitions.length > t.partitions)
          warnings.push(`${t.name} has ${m.partitions.length} partitions, more than the planned ${t.partitions}`);
        const rf = m?.partitions[0]?.replicas.length;
        if (rf !== undefined && rf !== t.replicationFactor)
          warnings.push(
            `${t.name} has replication factor ${rf}, planned ${t.replicationFactor} (reassign partitions to change it)`,
          );
        if (Object.keys(changed).length > 0 || partitions)
          alterTopics.push({ name: t.name, configs: { ...t.configs }, partitions });
      }
    }
    let aclsSupported = true;
    let current: ClusterAcl[] = [];
    try {
      current = await describeAllAcls(kafka);
    } catch (e) {
      if (
        !/SECURITY_DISABLED|[Ss]ecurity features are disabled/.test(
          `${(e as { type?: string }).type} ${(e as Error).message}`,
        )
      )
        throw e;
      aclsSupported = false;
    }
    const have = new Set(current.map(aclKey));
    const { remove, lost } = aclsToRemove(plan, current);
    return {
      createTopics,
      alterTopics,
      warnings,
      addAcls: aclsSupported ? plan.acls.filter((a) => !have.has(aclKey(a))) : [],
      removeAcls: remove,
      aclsSupported,
      quotaChanges: quotas ? quotaChanges(plan, await quotas.describe(), lost) : [],
      quotasManaged: quotas !== undefined,
    };
  } finally {
    await admin.disconnect();
  }
}

/** Makes the cluster match the diff: creates topics, raises partitions, sets configs, adds and removes ACLs and quotas. */
export async function applyKafkaDiff(kafka: Kafka, diff: KafkaPlanDiff, quotas?: ClientQuotaAdmin): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (diff.createTopics.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: diff.createTopics.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor,
          configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    const grow = diff.alterTopics.filter((t) => t.partitions);
    if (grow.length > 0)
      await admin.createPartitions({ topicPartitions: grow.map((t) => ({ topic: t.name, count: t.partitions! })) });
    if (diff.alterTopics.length > 0) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: diff.alterTopics.map((t) => ({
          type: ConfigResourceTypes.TOPIC,
          name: t.name,
          configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    if (diff.addAcls.length > 0) await admin.createAcls({ acl: diff.addAcls.map(toKafkaAcl) });
    if (diff.removeAcls.length > 0) await admin.deleteAcls({ filters: diff.removeAcls.map(toKafkaFilter) });
    if (diff.quotaChanges.length > 0) {
      if (!quotas) throw new Error('the diff changes client quotas: applying it needs the quota admin that read them');
      await quotas.alter(diff.quotaChanges);
    }
  } finally {
    await admin.disconnect();
  }
}

function toKafkaAcl(a: PlannedAcl) {
  return {
    resourceType: AclResourceTypes[a.resourceType],
    resourceName: a.resourceName,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: a.principal,
    host: '*',
    operation: AclOperationTypes[a.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/** A delete filter matching exactly this one ACL. */
function toKafkaFilter(a: ClusterAcl) {
  const code = <T extends Record<string, unknown>>(names: T, name: string) =>
    (names[name] ?? Number(name)) as T[keyof T];
  return {
    resourceType: code(AclResourceTypes, a.resourceType),
    resourceName: a.resourceName,
    resourcePatternType: ResourcePatternTypes[a.patternType],
    principal: a.principal,
    host: a.host,
    operation: code(AclOperationTypes, a.operation),
    permissionType: AclPermissionTypes[a.permission],
  };
}

/** kafkajs enum values back to their names (a code kafkajs does not name stays a number). */
const nameOf = (names: Record<string, unknown>, code: number): string =>
  Object.entries(names).find(([, v]) => v === code)?.[0] ?? String(code);

/** Every ACL of the cluster: any pattern type, permission, operation and resource type. */
async function describeAllAcls(kafka: Kafka): Promise<ClusterAcl[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const res = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const out: ClusterAcl[] = [];
    for (const r of res.resources) {
      const patternType = r.resourcePatternType === ResourcePatternTypes.PREFIXED ? 'PREFIXED' : 'LITERAL';
      for (const a of r.acls)
        out.push({
          principal: a.principal,
          resourceType: nameOf(AclResourceTypes, r.resourceType),
          resourceName: r.resourceName,
          operation: nameOf(AclOperationTypes, a.operation),
          patternType,
          permission: a.permissionType === AclPermissionTypes.DENY ? 'DENY' : 'ALLOW',
          host: a.host,
        });
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Diff, then apply: what `xietong kafka apply` and the test harnesses run as the zone operator. */
export async function applyKafkaPlan(kafka: Kafka, plan: KafkaPlan, quotas?: ClientQuotaAdmin): Promise<KafkaPlanDiff> {
  const diff = await diffKafkaPlan(kafka, plan, quotas);
  await applyKafkaDiff(kafka, diff, quotas);
  return diff;
}

/** Number of brokers the cluster reports (to cap a plan's replication factor on a small cluster). */
export async function clusterSize(kafka: Kafka): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).brokers.length;
  } finally {
    await admin.disconnect();
  }
}
