import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadGatewayConfig } from '@xietong/config';
import { sampleLead } from '@xietong/contracts';
import { generateSigningKey } from '@xietong/crypto';
import { federationFiles, ManifestStore, readJwk, signManifest, type Manifest } from '@xietong/federation';
import { startGateway, type RunningGateway } from '@xietong/gateway';
import { AuditRepository, type AuditEntry } from '@xietong/persistence';
import { eventually, freshDatabase, startFederation, testLogLevels, type Harness } from '@xietong/testing';
import { runCli } from '../../apps/cli/src/cli';

const JD = '341825';
const HZ = '330100';

describe('replaying a quarantined record once its cause is fixed', () => {
  let h: Harness;
  let jd: RunningGateway;
  let serial2: string;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'postgres', offline: [JD] });
    // 旌德 already signs with a new key that the authority added in serial 2; 杭州 still runs serial 1.
    const files = federationFiles(h.dir);
    const next = await generateSigningKey('EdDSA', `${JD}-sig-2`);
    const keyFile = join(h.dir, 'keys', `${JD}.signing-2.private.jwk.json`);
    writeFileSync(keyFile, JSON.stringify(next.privateJwk), { mode: 0o600 });
    const m: Manifest = structuredClone(h.gateway(HZ).app.get(ManifestStore).federation.manifest);
    m.serial = 2;
    m.members
      .find((x) => x.id === JD)!
      .signingKeys.push({
        kid: next.kid,
        alg: 'EdDSA',
        notBefore: new Date(Date.now() - 60_000).toISOString(),
        notAfter: new Date(Date.now() + 365 * 86_400_000).toISOString(),
        publicJwk: next.publicJwk,
      });
    serial2 = await signManifest(m, await readJwk(files.authorityPrivate));
    const jdManifest = join(h.dir, 'manifest-jd.jws');
    writeFileSync(jdManifest, serial2);
    jd = await startGateway(
      loadGatewayConfig(
        h.envFor(JD, freshDatabase('postgres', `${h.prefix}_jd`), {
          XIETONG_SIGNING_KEY_FILE: keyFile,
          XIETONG_MANIFEST_FILE: jdManifest,
        }),
      ),
      { logLevels: testLogLevels() },
    );
  });
  afterAll(async () => {
    await jd?.close();
    await h?.close();
  });

  it('is refused UNKNOWN_KEY while the manifest lags, then accepted after an admin replays it, and the sender sees accepted', async () => {
    const token = await h.token(JD, ['submitter']);
    const res = await fetch(`${jd.url}/api/v1/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ recipient: HZ, body: sampleLead('JD-REPLAY-Q-1') }),
    });
    const { messageId } = (await res.json()) as { messageId: string };
    const status = async () =>
      (await (
        await fetch(`${jd.url}/api/v1/messages/${messageId}`, {
          headers: { authorization: `Bearer ${await h.token(JD, ['auditor'])}` },
        })
      ).json()) as { status: string; reasonCode: string | null };
    expect(
      await eventually('rejected at 341825', async () =>
        (await status()).status === 'rejected' ? status() : undefined,
      ),
    ).toMatchObject({ reasonCode: 'UNKNOWN_KEY' });
    const [row] = await h.quarantine(HZ).list('UNKNOWN_KEY');
    expect(row.messageId).toBe(messageId);

    // Replayed before the fix, it is only checked and quarantined again: nothing stored.
    const replay = (id: string, roles: ('admin' | 'auditor')[] = ['admin']) =>
      h.post(HZ, `quarantine/${id}/replay`, {}, 'application/json', roles);
    expect(await replay(row.id)).toMatchObject({
      status: 202,
      json: { quarantineId: row.id, topic: `${h.prefix}.inbox.${HZ}` },
    });
    const again = await eventually('quarantined again', async () =>
      (await h.quarantine(HZ).list('UNKNOWN_KEY')).find((q) => q.id !== row.id),
    );
    expect(again.messageId).toBe(messageId);
    expect(await h.messages(HZ).find(messageId)).toBeNull();

    // The authority's serial 2 reaches 杭州; the new quarantine row is replayed and now passes.
    writeFileSync(federationFiles(h.dir).manifest, serial2);
    await eventually('serial 2 at 330100', async () => h.gateway(HZ).app.get(ManifestStore).federation.serial === 2);
    expect((await replay(again.id)).status).toBe(202);
    await eventually('stored at 330100', () => h.messages(HZ).find(messageId));
    expect(
      await eventually('accepted at 341825', async () =>
        (await status()).status === 'accepted' ? status() : undefined,
      ),
    ).toMatchObject({ reasonCode: null });

    // Each row once; a replay refusal never; admin only; clear errors.
    expect(await replay(row.id)).toMatchObject({
      status: 409,
      json: { error: 'NOT_REPLAYABLE', message: expect.stringContaining('already replayed') },
    });
    expect((await replay(row.id, ['auditor'])).status).toBe(403);
    expect(await replay('999999')).toMatchObject({ status: 404, json: { error: 'NOT_FOUND' } });
    expect(await replay('abc')).toMatchObject({ status: 400, json: { field: 'id' } });
    const listed = (await h.get(HZ, '/api/v1/quarantine?reason=UNKNOWN_KEY', ['auditor'])).json.items as {
      id: string;
      replayedBy: string | null;
    }[];
    expect(listed.map((q) => [q.id, q.replayedBy])).toEqual([
      [again.id, 'api:test-user'],
      [row.id, 'api:test-user'],
    ]);

    const audit = h.gateway(HZ).app.get(AuditRepository);
    await audit.chainAll();
    const entries: AuditEntry[] = [];
    for await (const e of audit.entries()) entries.push(e);
    expect(entries.filter((e) => e.kind === 'QUARANTINE_REPLAYED').map((e) => [e.actor, e.messageId])).toEqual([
      ['api:test-user', messageId],
      ['api:test-user', messageId],
    ]);
  });

  it('refuses to replay a record refused as a replay: the message is already here', async () => {
    const [stored] = await h.messages(HZ).list({ direction: 'in', correlationId: 'JD-REPLAY-Q-1' });
    const { RecordForge } = await import('@xietong/testing');
    const forge = new RecordForge(h);
    const { Database } = await import('@xietong/persistence');
    const [{ record }] = await h
      .gateway(HZ)
      .app.get(Database)
      .dataSource.query('SELECT record FROM message WHERE message_id = $1', [stored.messageId]);
    await forge.send(HZ, [{ value: record, headers: { 'xietong-jws': stored.signature! }, key: 'JD-REPLAY-Q-1' }]);
    await forge.close();
    const [dup] = await eventually('the copy refused', async () => {
      const rows = await h.quarantine(HZ).list('REPLAY');
      return rows.length > 0 ? rows : undefined;
    });
    expect(await h.post(HZ, `quarantine/${dup.id}/replay`, {}, 'application/json', ['admin'])).toMatchObject({
      status: 409,
      json: { error: 'NOT_REPLAYABLE', message: expect.stringContaining('already stored') },
    });
  });

  it('lists and replays from the command line, with clear errors', async () => {
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const code = await runCli(args, { out: (t) => out.push(t), err: (t) => out.push(t) });
      return { code, text: out.join('\n') };
    };
    const gateway = h.gateway(HZ).url!;
    const admin = await h.token(HZ, ['admin']);
    const listed = await run('quarantine', 'list', '--gateway', gateway, '--token', admin, '--reason', 'REPLAY');
    expect(listed).toMatchObject({ code: 0, text: expect.stringMatching(/^\d+\tREPLAY\t/) });
    const id = listed.text.split('\t')[0];
    expect(await run('quarantine', 'replay', '--gateway', gateway, '--token', admin, '--id', id)).toMatchObject({
      code: 1,
      text: expect.stringContaining('409 NOT_REPLAYABLE'),
    });
    expect(
      await run('quarantine', 'replay', '--gateway', gateway, '--token', await h.token(HZ, ['auditor']), '--id', id),
    ).toMatchObject({ code: 1, text: expect.stringContaining('403') });
    expect(await run('quarantine', 'list', '--gateway', 'http://127.0.0.1:9', '--token', admin)).toMatchObject({
      code: 2,
      text: expect.stringContaining('cannot reach'),
    });
  });
});
