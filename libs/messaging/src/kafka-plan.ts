import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type Kafka } from 'kafkajs';
import { ConfigResourceTypes } from 'kafkajs';

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

/** One ALLOW rule for one principal on one literal resource. */
export interface PlannedAcl {
  principal: string;
  resourceType: AclResource;
  resourceName: string;
  operation: AclOperation;
}

/**
 * What the cluster should hold for one federation. `scope` names what the federation owns:
 * ACLs on topics and groups starting with one of its prefixes are removed when not planned.
 */
export interface KafkaPlan {
  federation: string;
  topics: PlannedTopic[];
  acls: PlannedAcl[];
  scope: { topicPrefix: string; groupPrefix: string };
}

export interface KafkaPlanDiff {
  createTopics: PlannedTopic[];
  alterTopics: { name: string; configs: Record<string, string>; partitions?: number }[];
  /** Differences apply cannot fix (replication factor of an existing topic). */
  warnings: string[];
  addAcls: PlannedAcl[];
  removeAcls: PlannedAcl[];
  /** False on a broker without an authorizer (the simple local broker): ACLs are not applied there. */
  aclsSupported: boolean;
}

export const aclKey = (a: PlannedAcl): string => `${a.principal} ${a.operation} ${a.resourceType}:${a.resourceName}`;

/** Compares the cluster with the plan (reads only). */
export async function diffKafkaPlan(kafka: Kafka, plan: KafkaPlan): Promise<KafkaPlanDiff> {
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
    let current: PlannedAcl[] = [];
    try {
      current = await describeAllowAcls(kafka);
    } catch (e) {
      if (
        !/SECURITY_DISABLED|[Ss]ecurity features are disabled/.test(
          `${(e as { type?: string }).type} ${(e as Error).message}`,
        )
      )
        throw e;
      aclsSupported = false;
    }
    const planned = new Set(plan.acls.map(aclKey));
    const have = new Set(current.map(aclKey));
    const owned = (a: PlannedAcl) =>
      (a.resourceType === 'TOPIC' && a.resourceName.startsWith(plan.scope.topicPrefix)) ||
      (a.resourceType === 'GROUP' && a.resourceName.startsWith(plan.scope.groupPrefix));
    const removeAcls = current.filter((a) => owned(a) && !planned.has(aclKey(a)));
    // A principal left with no ACL of this federation loses its IDEMPOTENT_WRITE too, unless it
    // still holds ACLs elsewhere on the cluster (another federation).
    const keeps = new Set(
      [...current.filter((a) => a.resourceType !== 'CLUSTER' && !removeAcls.includes(a)), ...plan.acls].map(
        (a) => a.principal,
      ),
    );
    const lostPrincipals = new Set(removeAcls.map((a) => a.principal).filter((p) => !keeps.has(p)));
    removeAcls.push(
      ...current.filter(
        (a) => a.resourceType === 'CLUSTER' && lostPrincipals.has(a.principal) && !planned.has(aclKey(a)),
      ),
    );
    return {
      createTopics,
      alterTopics,
      warnings,
      addAcls: aclsSupported ? plan.acls.filter((a) => !have.has(aclKey(a))) : [],
      removeAcls,
      aclsSupported,
    };
  } finally {
    await admin.disconnect();
  }
}

/** Makes the cluster match the diff: creates topics, raises partitions, sets configs, adds and removes ACLs. */
export async function applyKafkaDiff(kafka: Kafka, diff: KafkaPlanDiff): Promise<void> {
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
    if (diff.removeAcls.length > 0) await admin.deleteAcls({ filters: diff.removeAcls.map(toKafkaAcl) });
  } finally {
    await admin.disconnect();
  }
}

const RESOURCE: Record<AclResource, AclResourceTypes> = {
  TOPIC: AclResourceTypes.TOPIC,
  GROUP: AclResourceTypes.GROUP,
  CLUSTER: AclResourceTypes.CLUSTER,
};
const OPERATION: Record<AclOperation, AclOperationTypes> = {
  READ: AclOperationTypes.READ,
  WRITE: AclOperationTypes.WRITE,
  DESCRIBE_CONFIGS: AclOperationTypes.DESCRIBE_CONFIGS,
  IDEMPOTENT_WRITE: AclOperationTypes.IDEMPOTENT_WRITE,
};

function toKafkaAcl(a: PlannedAcl) {
  return {
    resourceType: RESOURCE[a.resourceType],
    resourceName: a.resourceName,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: a.principal,
    host: '*',
    operation: OPERATION[a.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

async function describeAllowAcls(kafka: Kafka): Promise<PlannedAcl[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const res = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const byResource = Object.fromEntries(Object.entries(RESOURCE).map(([k, v]) => [v, k])) as Record<
      number,
      AclResource
    >;
    const byOperation = Object.fromEntries(Object.entries(OPERATION).map(([k, v]) => [v, k])) as Record<
      number,
      AclOperation
    >;
    const out: PlannedAcl[] = [];
    for (const r of res.resources) {
      if (r.resourcePatternType !== ResourcePatternTypes.LITERAL) continue;
      for (const a of r.acls) {
        const resourceType = byResource[r.resourceType];
        const operation = byOperation[a.operation];
        if (!resourceType || !operation || a.permissionType !== AclPermissionTypes.ALLOW) continue;
        out.push({ principal: a.principal, resourceType, resourceName: r.resourceName, operation });
      }
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Diff, then apply: what `xietong kafka apply` and the test harnesses run as the zone operator. */
export async function applyKafkaPlan(kafka: Kafka, plan: KafkaPlan): Promise<KafkaPlanDiff> {
  const diff = await diffKafkaPlan(kafka, plan);
  await applyKafkaDiff(kafka, diff);
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
