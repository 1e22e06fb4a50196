import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaCatalog } from '@xietong/contracts';
import { generateSigningKey } from '@xietong/crypto';
import {
  covers,
  federationFiles,
  initFederation,
  loadZoneData,
  ManifestStore,
  readJwk,
  signManifest,
  verifyManifest,
  Federation,
} from '.';

const catalog = SchemaCatalog.fromDirectory(join(__dirname, '../../../schemas'));
const zones = loadZoneData();

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'xt-fed-'));
  const init = await initFederation({ dir, members: ['341825', '330100', '320100'], zones, catalog });
  return { dir, ...init, files: federationFiles(dir) };
}

describe('division code coverage', () => {
  it.each([
    ['340000', '341825', true],
    ['341800', '341825', true],
    ['330100', '330106', true],
    ['330100', '330200', false],
    ['341825', '341825', true],
    ['341821', '341825', false],
  ])('%s covers %s: %s', (m, c, expected) => expect(covers(m, c)).toBe(expected));
});

describe('signed manifest', () => {
  it('verifies and exposes agreements between members', async () => {
    const { manifestJws, authorityPublic } = await setup();
    const f = new Federation(await verifyManifest(manifestJws, authorityPublic));
    expect(f.agreementsFor('341825', '330100', 'LEAD').map((a) => a.id)).toEqual(
      expect.arrayContaining(['yrd', 'g60']),
    );
    expect(f.agreementsFor('341825', '330100', 'COMPLAINT').map((a) => a.id)).toEqual(['yrd']);
    expect(f.catalog.latest('LEAD').fingerprint).toBe(catalog.latest('LEAD').fingerprint);
  });

  it('carries receipts and the audit witnessing under any agreement two members share', async () => {
    const { manifestJws, authorityPublic } = await setup();
    const f = new Federation(await verifyManifest(manifestJws, authorityPublic));
    const shared = f.agreementsFor('341825', '330100', 'RECEIPT').map((a) => a.id);
    expect(shared).toEqual(expect.arrayContaining(['yrd', 'g60']));
    for (const type of ['AUDIT_CHECKPOINT', 'AUDIT_COUNTERSIGN'] as const) {
      expect(f.manifest.agreements.some((a) => a.messageTypes.includes(type))).toBe(false);
      expect(f.agreementsFor('341825', '330100', type).map((a) => a.id)).toEqual(shared);
    }
    // A federation built from the shipped schemas lets every member witness.
    expect(f.accepts('330100', 'AUDIT_CHECKPOINT').versions).toEqual([1]);
  });

  it('refuses a tampered payload', async () => {
    const { manifestJws, authorityPublic } = await setup();
    const [h, p, s] = manifestJws.split('.');
    const tampered = Buffer.from(p, 'base64url').toString().replace('"serial": 1', '"serial": 9');
    await expect(
      verifyManifest(`${h}.${Buffer.from(tampered).toString('base64url')}.${s}`, authorityPublic),
    ).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
  });

  it('refuses an unsigned manifest', async () => {
    const { authorityPublic } = await setup();
    await expect(verifyManifest('{"format":"xietong-manifest/1"}', authorityPublic)).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
    });
  });

  it('refuses a manifest signed by another key', async () => {
    const { files, authorityPublic } = await setup();
    const rogue = await generateSigningKey('EdDSA', authorityPublic.kid!);
    const manifest = await verifyManifest(
      (await import('node:fs')).readFileSync(files.manifest, 'utf8'),
      authorityPublic,
    );
    await expect(verifyManifest(await signManifest(manifest, rogue.privateJwk), authorityPublic)).rejects.toThrow(
      /does not verify/,
    );
  });

  it('refuses an expired manifest', async () => {
    const { manifestJws, authorityPublic } = await setup();
    await expect(
      verifyManifest(manifestJws, authorityPublic, new Date(Date.now() + 31 * 86_400_000)),
    ).rejects.toMatchObject({ code: 'MANIFEST_EXPIRED' });
  });
});

describe('readJwk', () => {
  it('refuses a private key file that group or others may read, naming it and chmod 600', async () => {
    const { files } = await setup();
    chmodSync(files.authorityPrivate, 0o644);
    await expect(readJwk(files.authorityPrivate)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: `private key file ${files.authorityPrivate} is readable by group or others (mode 0644): run chmod 600 ${files.authorityPrivate}`,
    });
    chmodSync(files.authorityPrivate, 0o600);
    expect((await readJwk(files.authorityPrivate)).d).toBeDefined();
  });

  it('reads a public key file whatever its mode', async () => {
    const { files } = await setup();
    chmodSync(files.authorityPublic, 0o644);
    expect((await readJwk(files.authorityPublic)).d).toBeUndefined();
  });
});

describe('ManifestStore', () => {
  it('takes a newer manifest into force without restart and keeps the old one when the new file is bad', async () => {
    const { files } = await setup();
    const authority = await readJwk(files.authorityPrivate);
    const store = await ManifestStore.open({
      file: files.manifest,
      authorityJwk: await readJwk(files.authorityPublic),
      refreshMs: 0,
    });
    const m = store.federation.manifest;
    writeFileSync(files.manifest, await signManifest({ ...m, serial: 2 }, authority));
    expect(await store.refresh()).toBe(true);
    expect(store.federation.serial).toBe(2);
    writeFileSync(files.manifest, 'garbage');
    expect(await store.refresh()).toBe(false);
    writeFileSync(files.manifest, await signManifest({ ...m, serial: 1 }, authority));
    expect(await store.refresh()).toBe(false);
    expect(store.federation.serial).toBe(2);
    store.close();
  });

  it('opens on an expired manifest with one logged line, refusing its use until a newer one arrives', async () => {
    const { files } = await setup();
    const authority = await readJwk(files.authorityPrivate);
    const m = await verifyManifest(readFileSync(files.manifest, 'utf8'), await readJwk(files.authorityPublic));
    const past = new Date(Date.now() - 86_400_000).toISOString();
    writeFileSync(files.manifest, await signManifest({ ...m, serial: 2, issuedAt: past, expiresAt: past }, authority));
    const lines: string[] = [];
    const store = await ManifestStore.open({
      file: files.manifest,
      authorityJwk: await readJwk(files.authorityPublic),
      refreshMs: 0,
      log: (level, message) => lines.push(`${level} ${message}`),
    });
    expect(store.lastKnown.serial).toBe(2);
    expect(() => store.federation).toThrow(expect.objectContaining({ code: 'MANIFEST_EXPIRED' }));
    expect(await store.refresh()).toBe(false);
    // Said once, not on every refresh or use.
    expect(lines).toEqual([expect.stringMatching(/^error manifest serial 2 at .* expired at .*: running degraded/)]);
    writeFileSync(files.manifest, await signManifest({ ...m, serial: 3 }, authority));
    expect(await store.refresh()).toBe(true);
    expect(store.federation.serial).toBe(3);
    store.close();
  });

  it('still refuses to open on an expired manifest that is not the zone authority’s', async () => {
    const { files, authorityPublic } = await setup();
    const m = await verifyManifest(readFileSync(files.manifest, 'utf8'), authorityPublic);
    const rogue = await generateSigningKey('EdDSA', authorityPublic.kid!);
    const past = new Date(Date.now() - 86_400_000).toISOString();
    writeFileSync(files.manifest, await signManifest({ ...m, expiresAt: past }, rogue.privateJwk));
    await expect(
      ManifestStore.open({ file: files.manifest, authorityJwk: authorityPublic, refreshMs: 0 }),
    ).rejects.toThrow(/does not verify/);
  });

  describe('against the manifests taken into force before (the archive)', () => {
    async function withSerials() {
      const { files } = await setup();
      const authority = await readJwk(files.authorityPrivate);
      const authorityJwk = await readJwk(files.authorityPublic);
      const m = await verifyManifest(readFileSync(files.manifest, 'utf8'), authorityJwk);
      const signed = async (serial: number, extra: Partial<typeof m> = {}) =>
        signManifest({ ...m, ...extra, serial }, authority);
      return { files, authorityJwk, signed };
    }
    const archiveOf = (serial: number, jws: string) => ({ highest: async () => ({ serial, jws }) });

    it('refuses to start on a lower serial than the highest archived, naming both serials', async () => {
      const { files, authorityJwk, signed } = await withSerials();
      const five = await signed(5);
      writeFileSync(files.manifest, await signed(3));
      await expect(
        ManifestStore.open({ file: files.manifest, authorityJwk, refreshMs: 0, archive: archiveOf(5, five) }),
      ).rejects.toMatchObject({
        code: 'MANIFEST_INVALID',
        message: expect.stringMatching(/serial 3 .* older than serial 5/),
      });
    });

    it('refuses to start on the archived serial with other bytes', async () => {
      const { files, authorityJwk, signed } = await withSerials();
      const five = await signed(5);
      writeFileSync(files.manifest, await signed(5, { issuer: 'someone-else' }));
      await expect(
        ManifestStore.open({ file: files.manifest, authorityJwk, refreshMs: 0, archive: archiveOf(5, five) }),
      ).rejects.toMatchObject({
        code: 'MANIFEST_INVALID',
        message: expect.stringMatching(/serial 5 .* differs from serial 5/),
      });
    });

    it('starts on the archived manifest itself, on a newer one, and with an empty archive', async () => {
      const { files, authorityJwk, signed } = await withSerials();
      const five = await signed(5);
      for (const [text, archive] of [
        [five, archiveOf(5, five)],
        [await signed(6), archiveOf(5, five)],
        [five, { highest: async () => undefined }],
      ] as const) {
        writeFileSync(files.manifest, text);
        const store = await ManifestStore.open({ file: files.manifest, authorityJwk, refreshMs: 0, archive });
        store.close();
      }
    });

    it('refuses on refresh the serial in force with other bytes, and a serial below the highest archived', async () => {
      const { files, authorityJwk, signed } = await withSerials();
      const lines: string[] = [];
      writeFileSync(files.manifest, await signed(5));
      let archived = { serial: 5, jws: readFileSync(files.manifest, 'utf8') };
      const store = await ManifestStore.open({
        file: files.manifest,
        authorityJwk,
        refreshMs: 0,
        archive: { highest: async () => archived },
        log: (level, message) => lines.push(`${level} ${message}`),
      });
      writeFileSync(files.manifest, await signed(5, { issuer: 'someone-else' }));
      expect(await store.refresh()).toBe(false);
      expect(lines.pop()).toMatch(/^error refused new manifest .*serial 5 .* differs from serial 5/);
      // Another process of this gateway (same database) took serial 7 into force meanwhile.
      archived = { serial: 7, jws: await signed(7) };
      writeFileSync(files.manifest, await signed(6));
      expect(await store.refresh()).toBe(false);
      expect(lines.pop()).toMatch(/serial 6 .* older than serial 7/);
      expect(store.federation.serial).toBe(5);
      store.close();
    });
  });

  it('refuses to open without a valid manifest', async () => {
    const { files } = await setup();
    writeFileSync(files.manifest, 'not a jws');
    await expect(
      ManifestStore.open({ file: files.manifest, authorityJwk: await readJwk(files.authorityPublic), refreshMs: 0 }),
    ).rejects.toThrow(/not a signed JWS/);
  });
});

describe('Federation.signingKey', () => {
  it('names unknown keys and keys outside their window', async () => {
    const { manifestJws, authorityPublic } = await setup();
    const f = new Federation(await verifyManifest(manifestJws, authorityPublic));
    await expect(f.signingKey('341825', 'nope', new Date())).rejects.toMatchObject({ code: 'UNKNOWN_KEY' });
    await expect(f.signingKey('999999', '341825-sig-1', new Date())).rejects.toMatchObject({ code: 'UNKNOWN_SENDER' });
    const late = new Date(Date.now() + 400 * 86_400_000);
    await expect(f.signingKey('341825', '341825-sig-1', late, late)).rejects.toMatchObject({ code: 'KEY_NOT_VALID' });
    await expect(f.signingKey('341825', '341825-sig-1', new Date())).resolves.toHaveProperty('key');
  });
});
