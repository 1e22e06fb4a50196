import { aclKey, aclsToRemove, quotaChanges } from './diff-kafka-plan';
import type { QuotaValues } from './client-quotas';
import type { ClusterAcl, KafkaPlan, PlannedAcl } from './apply-kafka-plan';

const JD = 'User:341825';
const HZ = 'User:330100';

const allow = (a: PlannedAcl): ClusterAcl => ({ ...a, patternType: 'LITERAL', permission: 'ALLOW', host: '*' });

const plan: KafkaPlan = {
  federation: 'zone-a',
  topics: [],
  acls: [
    { principal: JD, resourceType: 'TOPIC', resourceName: 'zone-a.inbox.341825', operation: 'READ' },
    { principal: JD, resourceType: 'TOPIC', resourceName: 'zone-a.inbox.330100', operation: 'WRITE' },
    { principal: JD, resourceType: 'CLUSTER', resourceName: 'kafka-cluster', operation: 'IDEMPOTENT_WRITE' },
  ],
  quotas: [{ principal: JD, quotas: { producer_byte_rate: 1_048_576, request_percentage: 50 } }],
  scope: { topicPrefix: 'zone-a.', groupPrefix: 'zone-a-inbound-' },
};
const planned = plan.acls.map(allow);

describe('ACL drift', () => {
  it('removes prefixed, wildcard and DENY rules that reach the federation, whoever holds them', () => {
    const drift: ClusterAcl[] = [
      { ...planned[0], principal: HZ, resourceName: 'zone-a.inbox.', patternType: 'PREFIXED' },
      { ...planned[0], principal: 'User:monitor', resourceName: 'zone', patternType: 'PREFIXED' },
      { ...planned[0], principal: 'User:monitor', resourceName: '*' },
      { ...planned[0], resourceType: 'GROUP', resourceName: '*' },
      { ...planned[1], permission: 'DENY' },
    ];
    const { remove } = aclsToRemove(plan, [...planned, ...drift]);
    expect(remove).toEqual(drift);
    expect(remove.map(aclKey)).toEqual([
      'User:330100 READ TOPIC[prefixed]:zone-a.inbox.',
      'User:monitor READ TOPIC[prefixed]:zone',
      'User:monitor READ TOPIC:*',
      'User:341825 READ GROUP:*',
      'User:341825 DENY WRITE TOPIC:zone-a.inbox.330100',
    ]);
  });

  it("removes a member's other rules anywhere: another operation, resource type, host or a prefixed pattern of another federation", () => {
    const drift: ClusterAcl[] = [
      { ...planned[0], operation: 'ALL' },
      { ...planned[2], operation: 'ALTER' },
      { ...planned[0], resourceType: 'TRANSACTIONAL_ID', resourceName: '*' },
      { ...planned[0], host: '10.0.0.9' },
      { ...planned[0], resourceName: 'zone-b.', patternType: 'PREFIXED' },
    ];
    const { remove } = aclsToRemove(plan, [...planned, ...drift]);
    expect(remove).toEqual(drift);
    expect(aclKey(drift[3])).toBe('User:341825 READ TOPIC:zone-a.inbox.341825 from 10.0.0.9');
  });

  it("keeps the plan's own rules, a member's literal grants in another federation and other principals' rules elsewhere", () => {
    const elsewhere: ClusterAcl[] = [
      { ...planned[0], resourceName: 'zone-b.inbox.341825' },
      { ...planned[0], principal: 'User:monitor', resourceName: 'zone-b.', patternType: 'PREFIXED' },
      { ...planned[2], principal: 'User:other' },
      { ...planned[0], principal: 'User:other', resourceName: 'audit', permission: 'DENY' },
    ];
    expect(aclsToRemove(plan, [...planned, ...elsewhere])).toEqual({ remove: [], lost: new Set() });
  });

  it('a principal the federation lets go loses its IDEMPOTENT_WRITE too, unless it keeps rules elsewhere', () => {
    const gone = [
      allow({ principal: HZ, resourceType: 'TOPIC', resourceName: 'zone-a.inbox.330100', operation: 'READ' }),
      allow({ principal: HZ, resourceType: 'CLUSTER', resourceName: 'kafka-cluster', operation: 'IDEMPOTENT_WRITE' }),
    ];
    expect(aclsToRemove(plan, [...planned, ...gone])).toEqual({ remove: gone, lost: new Set([HZ]) });
    const elsewhere = allow({
      principal: HZ,
      resourceType: 'TOPIC',
      resourceName: 'zone-b.inbox.1',
      operation: 'READ',
    });
    expect(aclsToRemove(plan, [...planned, ...gone, elsewhere])).toEqual({ remove: [gone[0]], lost: new Set() });
  });
});

describe('quota drift', () => {
  it('sets missing and different planned quotas, removes keys the plan does not have', () => {
    expect(quotaChanges(plan, new Map(), new Set())).toEqual([
      { user: '341825', set: { producer_byte_rate: 1_048_576, request_percentage: 50 }, remove: [] },
    ]);
    const current = new Map([
      ['341825', { producer_byte_rate: 1_048_576, request_percentage: 200, consumer_byte_rate: 1 }],
    ]);
    expect(quotaChanges(plan, current, new Set())).toEqual([
      { user: '341825', set: { request_percentage: 50 }, remove: ['consumer_byte_rate'] },
    ]);
  });

  it('changes nothing when the cluster holds the plan; leaves the default entity and other users alone', () => {
    const current = new Map<string, QuotaValues>([
      ['341825', { producer_byte_rate: 1_048_576, request_percentage: 50 }],
      ['<default>', { producer_byte_rate: 10 }],
      ['monitor', { request_percentage: 1 }],
    ]);
    expect(quotaChanges(plan, current, new Set())).toEqual([]);
  });

  it('removes every quota of a principal the federation let go', () => {
    const current = new Map([['330100', { request_percentage: 50, producer_byte_rate: 1024 }]]);
    expect(quotaChanges({ ...plan, quotas: [] }, current, new Set([HZ]))).toEqual([
      { user: '330100', set: {}, remove: ['producer_byte_rate', 'request_percentage'] },
    ]);
  });
});
