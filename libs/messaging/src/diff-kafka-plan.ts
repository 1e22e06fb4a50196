import type { QuotaChange, QuotaValues } from './client-quotas';
import type { ClusterAcl, KafkaPlan, PlannedAcl } from './apply-kafka-plan';

/** `User:341825 READ TOPIC:zone-a.inbox.341825`; a DENY, a prefixed pattern or a host are spelled out. */
export const aclKey = (a: PlannedAcl | ClusterAcl): string => {
  const c = a as Partial<ClusterAcl>;
  const deny = c.permission === 'DENY' ? 'DENY ' : '';
  const pattern = c.patternType === 'PREFIXED' ? '[prefixed]' : '';
  const host = c.host && c.host !== '*' ? ` from ${c.host}` : '';
  return `${a.principal} ${deny}${a.operation} ${a.resourceType}${pattern}:${a.resourceName}${host}`;
};

/**
 * Whether an ACL's resource pattern can match a name the federation owns: a literal name under its
 * prefix, the literal wildcard `*`, or a prefixed pattern under, or above, its prefix (`zone` covers
 * `zone-a.` too).
 */
export function reachesFederation(a: ClusterAcl, scope: KafkaPlan['scope']): boolean {
  const prefix = a.resourceType === 'TOPIC' ? scope.topicPrefix : a.resourceType === 'GROUP' ? scope.groupPrefix : '';
  if (!prefix) return false;
  if (a.patternType === 'LITERAL') return a.resourceName === '*' || a.resourceName.startsWith(prefix);
  return a.resourceName.startsWith(prefix) || prefix.startsWith(a.resourceName);
}

/**
 * ACLs to remove so that the cluster holds, for this federation, exactly the plan: every ACL that
 * reaches the federation's topics or groups (whoever its principal), and every other ACL of a
 * member principal - prefixed, wildcard, DENY, another resource type or operation - except
 * literal ALLOW rules on topics and groups of other federations (a member may belong to several).
 * A principal left with no ACL but its IDEMPOTENT_WRITE loses that too, and is returned as lost.
 */
export function aclsToRemove(plan: KafkaPlan, current: ClusterAcl[]): { remove: ClusterAcl[]; lost: Set<string> } {
  const planned = new Set(plan.acls.map(aclKey));
  const members = new Set(plan.acls.map((a) => a.principal));
  const otherFederations = (a: ClusterAcl) =>
    (a.resourceType === 'TOPIC' || a.resourceType === 'GROUP') &&
    a.patternType === 'LITERAL' &&
    a.permission === 'ALLOW' &&
    a.resourceName !== '*' &&
    !reachesFederation(a, plan.scope);
  const remove = current.filter(
    (a) =>
      !planned.has(aclKey(a)) &&
      (reachesFederation(a, plan.scope) || (members.has(a.principal) && !otherFederations(a))),
  );
  const removed = new Set(remove);
  const keeps = new Set(
    [...current.filter((a) => a.resourceType !== 'CLUSTER' && !removed.has(a)), ...plan.acls].map((a) => a.principal),
  );
  const lost = new Set(remove.map((a) => a.principal).filter((p) => !keeps.has(p)));
  remove.push(
    ...current.filter(
      (a) => a.resourceType === 'CLUSTER' && lost.has(a.principal) && !removed.has(a) && !planned.has(aclKey(a)),
    ),
  );
  return { remove, lost };
}

/** User name of a `User:<name>` principal (quota entities are user names). */
export const quotaUser = (principal: string): string => principal.replace(/^User:/, '');

/**
 * Quota changes making each planned principal's user entity hold exactly its planned quotas (other
 * keys removed), and removing every quota of a principal the federation let go (`lost`).
 */
export function quotaChanges(plan: KafkaPlan, current: Map<string, QuotaValues>, lost: Set<string>): QuotaChange[] {
  const changes: QuotaChange[] = [];
  const planned = new Set<string>();
  for (const q of plan.quotas) {
    const user = quotaUser(q.principal);
    planned.add(user);
    const have = current.get(user) ?? {};
    const set = Object.fromEntries(Object.entries(q.quotas).filter(([k, v]) => have[k] !== v));
    const remove = Object.keys(have)
      .filter((k) => !(k in q.quotas))
      .sort();
    if (Object.keys(set).length > 0 || remove.length > 0) changes.push({ user, set, remove });
  }
  for (const p of [...lost].sort()) {
    const user = quotaUser(p);
    const have = Object.keys(current.get(user) ?? {}).sort();
    if (!planned.has(user) && have.length > 0) changes.push({ user, set: {}, remove: have });
  }
  return changes;
}
