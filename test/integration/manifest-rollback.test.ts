import { readFileSync, writeFileSync } from 'node:fs';
import { loadGatewayConfig } from '@xietong/config';
import { federationFiles, readJwk, signManifest, verifyManifest } from '@xietong/federation';
import { startGateway, type RunningGateway } from '@xietong/gateway';
import { ManifestArchiveRepository } from '@xietong/persistence';
import { eventually, freshDatabase, startFederation, testLogLevels, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

describe('a gateway restarted on an older manifest file', () => {
  let h: Harness;
  let jd: RunningGateway | undefined;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'sqlite', offline: [JD, HZ] });
  });
  afterAll(async () => {
    await jd?.close();
    await h?.close();
  });

  it('refuses to start below the serial it archived, and on that serial with other bytes', async () => {
    const files = federationFiles(h.dir);
    const authority = await readJwk(files.authorityPrivate);
    const first = readFileSync(files.manifest, 'utf8');
    const m = await verifyManifest(first, await readJwk(files.authorityPublic));
    const db = freshDatabase('sqlite', `${h.prefix}_jd`);
    const start = () => startGateway(loadGatewayConfig(h.envFor(JD, db)), { logLevels: testLogLevels() });

    jd = await start();
    const second = await signManifest({ ...m, serial: 2 }, authority);
    writeFileSync(files.manifest, second);
    await eventually(
      'serial 2 archived',
      async () => (await jd!.app.get(ManifestArchiveRepository).highest())?.serial === 2,
    );
    await jd.close();
    jd = undefined;

    // The old file (serial 1, still signed by the authority, still within its validity) comes back.
    writeFileSync(files.manifest, first);
    await expect(start()).rejects.toThrow(/manifest serial 1 at .* is older than serial 2/);
    writeFileSync(files.manifest, await signManifest({ ...m, serial: 2, issuer: 'forged-reissue' }, authority));
    await expect(start()).rejects.toThrow(/manifest serial 2 at .* differs from serial 2/);

    writeFileSync(files.manifest, second);
    jd = await start();
  });
});
