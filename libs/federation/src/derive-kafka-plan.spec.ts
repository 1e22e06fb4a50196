import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaCatalog } from '@xietong/contracts';
import { aclKey } from '@xietong/messaging';
import {
  DEFAULT_MEMBER_QUOTA,
  Federation,
  federationFiles,
  formatKafkaPlan,
  initFederation,
  loadZoneData,
  ManifestStore,
  planKafka,
  readJwk,
  signManifest,
  verifyManifest,
  type Manifest,
} from '.';

const catalog = SchemaCatalog.fromDirectory(join(__dirname, '../../../schemas'));

// 旌德 and 杭州 share an agreement, 南京 has one with nobody: it may write no inbox but its own dead letters.
const agreements = [{ id: 'pair', name: 'pair', members: ['341825', '330100'], messageTypes: ['LEAD' as const] }];

async function setup(federation = 'zone-a') {
  const dir = mkdtempSync(join(tmpdir(), 'xt-plan-'));
  const init = await initFederation({
    dir,
    members: ['341825', '330100', '320100'],
    zones: loadZoneData(),
    catalog,
    agreements,
    federation,
  });
  return { dir, files: federationFiles(dir), manifest: await verifyManifest(init.manifestJws, init.authorityPublic) };
}

describe('kafka plan', () => {
  it('grants exactly: own inbox and group READ, partner inboxes, own inbox and own dead letters WRITE, IDEMPOTENT_WRITE', async () => {
    const { manifest } = await setup();
    const plan = planKafka(manifest, { replicationFactor: 3, minInsyncReplicas: 2 });
    expect(plan.acls.map(aclKey).sort()).toEqual(
      [
        'User:341825 READ TOPIC:zone-a.inbox.341825',
        'User:341825 READ GROUP:zone-a-inbound-341825',
        'User:341825 WRITE TOPIC:zone-a.inbox.341825',
        'User:341825 DESCRIBE_CONFIGS TOPIC:zone-a.inbox.341825',
        'User:341825 WRITE TOPIC:zone-a.dlq.341825',
        'User:341825 DESCRIBE_CONFIGS TOPIC:zone-a.dlq.341825',
        'User:341825 WRITE TOPIC:zone-a.inbox.330100',
        'User:341825 DESCRIBE_CONFIGS TOPIC:zone-a.inbox.330100',
        'User:341825 IDEMPOTENT_WRITE CLUSTER:kafka-cluster',
        'User:330100 READ TOPIC:zone-a.inbox.330100',
        'User:330100 READ GROUP:zone-a-inbound-330100',
        'User:330100 WRITE TOPIC:zone-a.inbox.330100',
        'User:330100 DESCRIBE_CONFIGS TOPIC:zone-a.inbox.330100',
        'User:330100 WRITE TOPIC:zone-a.dlq.330100',
        'User:330100 DESCRIBE_CONFIGS TOPIC:zone-a.dlq.330100',
        'User:330100 WRITE TOPIC:zone-a.inbox.341825',
        'User:330100 DESCRIBE_CONFIGS TOPIC:zone-a.inbox.341825',
        'User:330100 IDEMPOTENT_WRITE CLUSTER:kafka-cluster',
        'User:320100 READ TOPIC:zone-a.inbox.320100',
        'User:320100 READ GROUP:zone-a-inbound-320100',
        'User:320100 WRITE TOPIC:zone-a.inbox.320100',
        'User:320100 DESCRIBE_CONFIGS TOPIC:zone-a.inbox.320100',
        'User:320100 WRITE TOPIC:zone-a.dlq.320100',
        'User:320100 DESCRIBE_CONFIGS TOPIC:zone-a.dlq.320100',
        'User:320100 IDEMPOTENT_WRITE CLUSTER:kafka-cluster',
      ].sort(),
    );
    expect(plan.topics).toHaveLength(6);
    for (const t of plan.topics)
      expect(t).toMatchObject({
        partitions: 3,
        replicationFactor: 3,
        configs: { 'min.insync.replicas': '2', 'retention.ms': '1209600000' },
      });
    expect(plan.scope).toEqual({ topicPrefix: 'zone-a.', groupPrefix: 'zone-a-inbound-' });
  });

  it("sets each member's client quotas: the default, or the member's own from the manifest", async () => {
    const { manifest } = await setup();
    manifest.members.find((m) => m.id === '320100')!.quota = { producerByteRate: 32_768 };
    const plan = planKafka(manifest, { quota: { requestPercentage: 25 } });
    expect(plan.quotas).toEqual([
      { principal: 'User:320100', quotas: { producer_byte_rate: 32_768, request_percentage: 25 } },
      {
        principal: 'User:330100',
        quotas: { producer_byte_rate: DEFAULT_MEMBER_QUOTA.producerByteRate, request_percentage: 25 },
      },
      {
        principal: 'User:341825',
        quotas: { producer_byte_rate: DEFAULT_MEMBER_QUOTA.producerByteRate, request_percentage: 25 },
      },
    ]);
    expect(formatKafkaPlan(plan)).toContain('User:320100  producer_byte_rate=32768  request_percentage=25');
    expect(() => planKafka(manifest, { quota: { producerByteRate: 10 } })).toThrow(
      /the default quota: producer byte rate must be an integer of at least 1024/,
    );
  });

  it('refuses min.insync.replicas above the replication factor', async () => {
    const { manifest } = await setup();
    expect(() => planKafka(manifest, { replicationFactor: 1, minInsyncReplicas: 2 })).toThrow(/min.insync.replicas/);
  });
});

describe('manifest formats', () => {
  it('reads a signed format-1 manifest, taking the federation id from its inbox names', async () => {
    const { files, manifest } = await setup('legacy');
    const v1 = structuredClone(manifest) as unknown as Record<string, unknown>;
    v1.format = 'xietong-manifest/1';
    delete v1.federation;
    const jws = await signManifest(v1 as unknown as Manifest, await readJwk(files.authorityPrivate));
    expect(JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString()).format).toBe('xietong-manifest/1');
    const read = await verifyManifest(jws, await readJwk(files.authorityPublic));
    expect(read.format).toBe('xietong-manifest/3');
    expect(read.federation).toBe('legacy');
  });

  it('reads a signed format-2 manifest: each member reads envelope v1 and every schema of the catalog', async () => {
    const { files, manifest } = await setup('zone-2');
    const v2 = structuredClone(manifest) as unknown as Record<string, unknown>;
    v2.format = 'xietong-manifest/2';
    delete v2.envelopes;
    for (const m of v2.members as Record<string, unknown>[]) delete m.accepts;
    const jws = await signManifest(v2 as unknown as Manifest, await readJwk(files.authorityPrivate));
    const read = await verifyManifest(jws, await readJwk(files.authorityPublic));
    expect(read.format).toBe('xietong-manifest/3');
    expect(read.envelopes).toEqual([]);
    expect(read.members[0].accepts.envelopes).toEqual([1]);
    expect(read.members[0].accepts.messageTypes.LEAD).toEqual([1, 2]);
    expect(read.members[0].accepts.messageTypes.REMINDER).toEqual(expect.arrayContaining([1, 2]));
  });

  it('reads a manifest naming a message type newer than this code, and leaves it out of the catalog', async () => {
    const { files, manifest } = await setup('zone-3');
    const newer = structuredClone(manifest);
    newer.agreements[0].messageTypes.push('FUTURE_TYPE' as never);
    newer.members[0].accepts.messageTypes.FUTURE_TYPE = [1];
    newer.schemas.push({ ...newer.schemas[0], type: 'FUTURE_TYPE' as never, fingerprint: 'f'.repeat(64) });
    const jws = await signManifest(newer, await readJwk(files.authorityPrivate));
    const fed = new Federation(await verifyManifest(jws, await readJwk(files.authorityPublic)));
    expect(fed.catalog.find('f'.repeat(64))).toBeUndefined();
    expect(fed.accepts(newer.members[0].id, 'LEAD').versions).toEqual([1, 2]);
  });

  it('reads a member quota in the current format and refuses a malformed one, naming the member', async () => {
    const { files, manifest } = await setup('zone-q');
    const key = await readJwk(files.authorityPrivate);
    const withQuota = structuredClone(manifest);
    withQuota.members[0].quota = { producerByteRate: 65_536, requestPercentage: 12.5 };
    const read = await verifyManifest(await signManifest(withQuota, key), await readJwk(files.authorityPublic));
    expect(read.members[0].quota).toEqual({ producerByteRate: 65_536, requestPercentage: 12.5 });
    const id = manifest.members[0].id;
    const cases: [unknown, RegExp][] = [
      [
        { producerByteRate: 100 },
        new RegExp(`member ${id} quota.producerByteRate must be an integer of at least 1024`),
      ],
      [{ producerByteRate: '1048576' }, /quota.producerByteRate must be an integer/],
      [{ requestPercentage: 0 }, new RegExp(`member ${id} quota.requestPercentage must be a number above 0`)],
      [{ consumerByteRate: 1024 }, /quota has unknown field consumerByteRate/],
      [[], /quota must be an object/],
    ];
    for (const [quota, error] of cases) {
      const bad = structuredClone(manifest);
      (bad.members[0] as unknown as Record<string, unknown>).quota = quota;
      await expect(signManifest(bad, key)).rejects.toThrow(error);
    }
  });

  it('refuses an unknown format and inbox names outside the federation', async () => {
    const { files, manifest } = await setup();
    const key = await readJwk(files.authorityPrivate);
    await expect(signManifest({ ...manifest, format: 'xietong-manifest/9' as never }, key)).rejects.toThrow(
      /format must be one of xietong-manifest\/1, xietong-manifest\/2, xietong-manifest\/3/,
    );
    const other = structuredClone(manifest);
    other.members[0].inbox = `zone-b.inbox.${other.members[0].id}`;
    await expect(signManifest(other, key)).rejects.toThrow(/inbox must be zone-a.inbox/);
  });

  it('a gateway of another federation refuses the manifest, at start and on refresh', async () => {
    const { files, manifest } = await setup();
    const authorityJwk = await readJwk(files.authorityPublic);
    await expect(
      ManifestStore.open({ file: files.manifest, authorityJwk, refreshMs: 0, federationId: 'zone-b' }),
    ).rejects.toThrow(/is of federation zone-a, this gateway belongs to zone-b/);
    const store = await ManifestStore.open({
      file: files.manifest,
      authorityJwk,
      refreshMs: 0,
      federationId: 'zone-a',
    });
    const moved = structuredClone(manifest);
    moved.serial = 2;
    moved.federation = 'zone-b';
    for (const m of moved.members) m.inbox = `zone-b.inbox.${m.id}`;
    writeFileSync(files.manifest, await signManifest(moved, await readJwk(files.authorityPrivate)));
    expect(await store.refresh()).toBe(false);
    expect(store.federation.id).toBe('zone-a');
  });
});
