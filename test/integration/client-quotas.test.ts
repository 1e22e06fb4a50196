import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaToolsLib, repoRoot } from '@xietong/config';
import { SchemaCatalog } from '@xietong/contracts';
import { initFederation, loadZoneData, planKafka, verifyManifest } from '@xietong/federation';
import { applyKafkaPlan, createKafka, diffKafkaPlan, JavaClientQuotas } from '@xietong/messaging';
import { brokers } from '@xietong/testing';

// Client quotas through Apache Kafka's own Admin client (tools/kafka/ClientQuotas.java), on the
// real test broker: quotas need no authorizer, and this broker's clients are User:ANONYMOUS, so
// the member quotas set here throttle nobody in the other suites.
const program = join(repoRoot(), 'tools', 'kafka', 'ClientQuotas.java');
const settings = () => ({ brokers: brokers().split(','), clientId: 'xietong-test-quotas' });

describe("client quotas through Kafka's Admin client", () => {
  it('sets, reads back and removes the quotas of a user entity', async () => {
    const quotas = new JavaClientQuotas(settings(), kafkaToolsLib(process.env), program);
    const user = `quota-test-${Date.now().toString(36)}`;
    await quotas.alter([{ user, set: { producer_byte_rate: 65_536, request_percentage: 12.5 }, remove: [] }]);
    expect((await quotas.describe()).get(user)).toEqual({ producer_byte_rate: 65_536, request_percentage: 12.5 });
    await quotas.alter([{ user, set: {}, remove: ['producer_byte_rate', 'request_percentage'] }]);
    expect((await quotas.describe()).has(user)).toBe(false);
  }, 60_000);

  it('kafka apply sets every member quota once; the next diff has nothing to change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xt-quota-'));
    const federation = `q${Date.now().toString(36)}`;
    const init = await initFederation({
      dir,
      members: ['341825', '330100'],
      zones: loadZoneData(),
      catalog: SchemaCatalog.fromDirectory(join(repoRoot(), 'schemas')),
      federation,
    });
    const manifest = await verifyManifest(init.manifestJws, init.authorityPublic);
    manifest.members[0].quota = { producerByteRate: 32_768 };
    const plan = planKafka(manifest, { replicationFactor: 1, minInsyncReplicas: 1 });
    const kafka = createKafka(settings());
    const quotas = new JavaClientQuotas(settings(), kafkaToolsLib(process.env), program);
    const first = await applyKafkaPlan(kafka, plan, quotas);
    expect(first.quotasManaged).toBe(true);
    expect(first.quotaChanges).toEqual(
      expect.arrayContaining([
        { user: manifest.members[0].id, set: { producer_byte_rate: 32_768, request_percentage: 50 }, remove: [] },
      ]),
    );
    const held = await quotas.describe();
    expect(held.get(manifest.members[0].id)).toEqual({ producer_byte_rate: 32_768, request_percentage: 50 });
    expect((await diffKafkaPlan(kafka, plan, quotas)).quotaChanges).toEqual([]);
    await quotas.alter(
      plan.quotas.map((q) => ({ user: q.principal.slice(5), set: {}, remove: Object.keys(q.quotas) })),
    );
  }, 90_000);

  it('refuses, naming what is missing, a jar directory without Kafka in it or no program', async () => {
    const quotas = new JavaClientQuotas(settings(), mkdtempSync(join(tmpdir(), 'xt-nolib-')), program);
    await expect(quotas.describe()).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/KAFKA_TOOLS_LIB .* holds no kafka-clients jar/),
    });
    const noProgram = new JavaClientQuotas(settings(), kafkaToolsLib(process.env), join(tmpdir(), 'nowhere.java'));
    await expect(noProgram.describe()).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/client quotas need .*nowhere\.java/),
    });
  });

  it('reports what the broker refused as KAFKA_ADMIN_FAILED', async () => {
    const quotas = new JavaClientQuotas(settings(), kafkaToolsLib(process.env), program);
    await expect(
      quotas.alter([{ user: 'quota-test-bad', set: { no_such_quota: 1 } as never, remove: [] }]),
    ).rejects.toMatchObject({
      code: 'KAFKA_ADMIN_FAILED',
      message: expect.stringMatching(/client quotas: .*no_such_quota/),
    });
  }, 60_000);
});
