import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadGatewayConfig } from '@xietong/config';
import { sampleLead } from '@xietong/contracts';
import { generateSigningKey } from '@xietong/crypto';
import { federationFiles, ManifestStore, readJwk, signManifest, type Manifest } from '@xietong/federation';
import { startGateway, type RunningGateway } from '@xietong/gateway';
import { HEADERS } from '@xietong/messaging';
import { eventually, freshDatabase, RecordForge, startFederation, testLogLevels, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

describe('key rotation and revocation while messages flow', () => {
  let h: Harness;
  let jd: RunningGateway;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'postgres', offline: [JD] });
  });
  afterAll(async () => {
    await jd?.close();
    await h?.close();
  });

  it('switches to a new key without losing a message, then refuses a replay of an old record once the old key is revoked', async () => {
    const files = federationFiles(h.dir);
    const authority = await readJwk(files.authorityPrivate);
    const jdDb = freshDatabase('postgres', `${h.prefix}_jd`);
    const start = (env: Record<string, string> = {}) =>
      startGateway(loadGatewayConfig(h.envFor(JD, jdDb, env)), { logLevels: testLogLevels() });
    jd = await start();
    const send = async (from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        const res = await fetch(`${jd.url}/api/v1/leads`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await h.token(JD, ['submitter'])}` },
          body: JSON.stringify({ recipient: HZ, body: sampleLead(`ROT-${i}`, i) }),
        });
        expect(res.status).toBe(202);
      }
    };
    const delivered = async () =>
      (await h.messages(HZ).list({ direction: 'in', type: 'LEAD', limit: 1000 })).filter((m) =>
        m.correlationId.startsWith('ROT-'),
      ).length;

    await send(0, 40);
    // Capture one record signed with the old key, as an attacker with topic access could.
    const consumer = h.kafka.consumer({ groupId: `${h.prefix}-capture` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${h.prefix}.inbox.${HZ}`, fromBeginning: true });
    let captured: { value: Buffer; headers: Record<string, string> } | undefined;
    await consumer.run({
      eachMessage: async ({ message }) => {
        captured ??= {
          value: message.value!,
          headers: { [HEADERS.signature]: String(message.headers?.[HEADERS.signature]) },
        };
      },
    });
    await eventually('a captured record', async () => captured);
    await consumer.disconnect();

    // Serial 2: the authority adds 旌德's new key; 旌德 switches to it (relay restart) while submissions go on.
    const next = await generateSigningKey('EdDSA', `${JD}-sig-2`);
    const keyFile = join(h.dir, 'keys', `${JD}.signing-2.private.jwk.json`);
    writeFileSync(keyFile, JSON.stringify(next.privateJwk), { mode: 0o600 });
    const m1 = h.gateway(HZ).app.get(ManifestStore).federation.manifest;
    const m2: Manifest = structuredClone(m1);
    m2.serial = 2;
    const jdMember = m2.members.find((m) => m.id === JD)!;
    jdMember.signingKeys.push({
      kid: next.kid,
      alg: 'EdDSA',
      notBefore: new Date(Date.now() - 60_000).toISOString(),
      notAfter: new Date(Date.now() + 365 * 86_400_000).toISOString(),
      publicJwk: next.publicJwk,
    });
    writeFileSync(files.manifest, await signManifest(m2, authority));
    await eventually('serial 2 at 330100', async () => h.gateway(HZ).app.get(ManifestStore).federation.serial === 2);
    await jd.close();
    jd = await start({ XIETONG_SIGNING_KEY_FILE: keyFile });
    await send(40, 40);
    await eventually('all 80 delivered', async () => (await delivered()) === 80);

    // Serial 3: the old key is revoked (removed) once nothing signed with it is in flight.
    const m3: Manifest = structuredClone(m2);
    m3.serial = 3;
    m3.members.find((m) => m.id === JD)!.signingKeys = m3.members
      .find((m) => m.id === JD)!
      .signingKeys.filter((k) => k.kid === next.kid);
    writeFileSync(files.manifest, await signManifest(m3, authority));
    await eventually('serial 3 at 330100', async () => h.gateway(HZ).app.get(ManifestStore).federation.serial === 3);
    await send(80, 20);
    await eventually('all 100 delivered', async () => (await delivered()) === 100);

    const forge = new RecordForge(h);
    await forge.send(HZ, [captured!]);
    await forge.close();
    const refused = await eventually(
      'the replayed old record refused',
      async () => (await h.quarantine(HZ).list('UNKNOWN_KEY'))[0],
    );
    expect(refused.reason).toContain(`${JD}-sig-1`);
    expect(await delivered()).toBe(100);
    const signers = new Set(
      (await h.messages(HZ).list({ direction: 'in', type: 'LEAD', limit: 1000 })).map(
        (m) => JSON.parse(Buffer.from(m.signature!.split('.')[0], 'base64url').toString()).kid,
      ),
    );
    expect(signers).toEqual(new Set([`${JD}-sig-1`, `${JD}-sig-2`]));
  });
});
