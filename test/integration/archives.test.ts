import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../apps/cli/src/cli';
import { sampleLead } from '@xietong/contracts';
import {
  archiveManifest,
  AuditCheckpointer,
  contentFiles,
  countersignaturesArrived,
  DatabaseArchiveCoverage,
  exportArchive,
  LocalKeys,
  pruneArchived,
  verifyAuditTrail,
  type ArchiveExportDeps,
  type ExportedArchive,
} from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import {
  ArchiveRepository,
  AuditRepository,
  Database,
  ManifestArchiveRepository,
  OutboxRepository,
} from '@xietong/persistence';
import { eventually, startFederation, startTsa, type Harness, type TestDialect, type TestTsa } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

describe.each<TestDialect>(['postgres', 'sqlite'])('archives on %s', (dialect) => {
  let h: Harness;
  let tsa: TestTsa;
  let deps: ArchiveExportDeps;
  const out = mkdtempSync(join(tmpdir(), 'xt-archives-'));
  const exported: ExportedArchive[] = [];
  const cuts: Date[] = [];

  /** Sends a lead to HZ, waits for its receipt and the relay, checkpoints: one settled exchange. */
  async function exchange(caseNo: string): Promise<void> {
    const lead = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead(caseNo) });
    await eventually(
      `${caseNo} accepted`,
      async () => (await h.messages(JD).find(lead.json.messageId))?.status === 'accepted',
    );
    await eventually('relay idle', async () => (await h.gateway(JD).app.get(OutboxRepository).pendingCount()) === 0);
    await new Promise((r) => setTimeout(r, 300));
    await h.gateway(JD).app.get(AuditCheckpointer).checkpoint();
    await new Promise((r) => setTimeout(r, 20));
  }

  beforeAll(async () => {
    tsa = await startTsa();
    h = await startFederation({
      members: [JD, HZ],
      dialect,
      env: { XIETONG_TSA_URL: tsa.url, XIETONG_TSA_CERT_FILE: tsa.certFile },
    });
    const config = h.gateway(JD).config;
    const db = h.gateway(JD).app.get(Database);
    deps = {
      archives: new ArchiveRepository(db),
      audit: h.gateway(JD).app.get(AuditRepository),
      manifests: new ManifestArchiveRepository(db),
      signer: (await LocalKeys.load(config.federation.signingKeyFile, config.federation.encryptionKeyFile)).signer,
      tsa: { url: tsa.url, certPem: readFileSync(tsa.certFile, 'utf8') },
    };
    for (const n of [1, 2, 3]) {
      await exchange(`JD-ARCH-${dialect}-${n}`);
      cuts.push(new Date());
      exported.push(await exportArchive(JD, cuts[n - 1], out, deps));
    }
  }, 240_000);
  afterAll(async () => {
    await h?.close();
    await tsa?.close();
    rmSync(out, { recursive: true, force: true });
  });

  const authority = () => join(h.dir, 'authority.public.jwk.json');
  const verifyCli = async (dir: string) => {
    const lines: string[] = [];
    const code = await runCli(['archive', 'verify', '--dir', dir, '--authority', authority()], {
      out: (t) => lines.push(t),
      err: (t) => lines.push(t),
    });
    return { code, text: lines.join('\n') };
  };
  const copy = () => {
    const dir = mkdtempSync(join(tmpdir(), 'xt-archives-copy-'));
    cpSync(out, dir, { recursive: true });
    return dir;
  };

  it('timestamps checkpoints through the configured TSA and says so in /health', async () => {
    expect((await h.get(JD, '/health')).json.timestamps).toEqual({ tsa: tsa.url });
    await eventually('checkpoint tokens', async () => (await deps.archives.checkpointsWithoutToken()).length === 0);
  });

  it('writes hash-linked, signed, timestamped archives that verify offline', async () => {
    expect(exported.map((a) => a.seq)).toEqual([1, 2, 3]);
    expect(exported.every((a) => a.records > 0 && a.entries > 0 && a.timestampedAt)).toBe(true);
    const manifests = exported.map((a) => JSON.parse(readFileSync(join(a.dir, 'manifest.json'), 'utf8')));
    expect(manifests[1].previous).toBe(exported[0].digest);
    expect(manifests[2].previous).toBe(exported[1].digest);
    expect(manifests[1].audit.first).toBe(manifests[0].audit.last + 1);
    const v = await verifyCli(out);
    expect(v).toMatchObject({ code: 0, text: expect.stringContaining('3 archives verified') });
    expect(v.text).toMatch(/341825-000002: .* timestamped \d{4}-/);
  });

  // Message rows are archived as they stand at the export; a status that moves on later (a checkpoint
  // message countersigned after the export) is the database's, so only the other files are compared.
  it('writes the same audit, checkpoint and manifest files again from the same database content', async () => {
    const [a1, a2] = await deps.archives.all();
    const content = await deps.archives.content(JD, a2.fromAt, a2.untilAt, a1.auditSeq);
    content.countersignatures = await deps.archives.countersignatures(JD, countersignaturesArrived(JD, content.audit));
    const files: Record<string, Buffer> = contentFiles(content, await deps.manifests.all());
    files['tsa.crt'] = Buffer.from(deps.tsa!.certPem);
    const dir = exported[1].dir;
    for (const name of [
      'audit.ndjson',
      'checkpoints.ndjson',
      'countersignatures.ndjson',
      'manifests.ndjson',
      'tsa.crt',
    ])
      expect([name, readFileSync(join(dir, name)).equals(files[name])]).toEqual([name, true]);
    for (const name of ['records.ndjson', 'receipts.ndjson']) files[name] = readFileSync(join(dir, name));
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const again = archiveManifest(
      {
        agency: JD,
        seq: 2,
        from: manifest.from,
        until: manifest.until,
        previous: manifest.previous,
        audit: manifest.audit,
        timestamped: true,
      },
      files,
    );
    expect(again.equals(readFileSync(join(dir, 'manifest.json')))).toBe(true);
  });

  it("keeps the complainant's personal data out and the record bytes of other messages in", () => {
    const records = readFileSync(join(exported[0].dir, 'records.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.find((r) => r.type === 'LEAD')).toMatchObject({
      personalDataRemoved: false,
      record: expect.any(String),
    });
  });

  it('has a timestamp token that openssl ts -verify accepts over manifest.json', () => {
    const dir = exported[2].dir;
    const text = execFileSync(
      'openssl',
      [
        'ts',
        '-verify',
        '-data',
        join(dir, 'manifest.json'),
        '-in',
        join(dir, 'timestamp.tsr'),
        '-CAfile',
        tsa.certFile,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(text).toContain('Verification: OK');
  });

  it('fails naming the file when one byte of an archive is flipped', async () => {
    const dir = copy();
    const file = join(dir, '341825-000002', 'audit.ndjson');
    const bytes = readFileSync(file);
    bytes[10] ^= 0x01;
    writeFileSync(file, bytes);
    expect(await verifyCli(dir)).toMatchObject({
      code: 1,
      text: expect.stringContaining('341825-000002/audit.ndjson: its SHA-256 differs from manifest.json'),
    });
    const manifest = join(dir, '341825-000002', 'manifest.json');
    writeFileSync(file, ((bytes[10] ^= 0x01), bytes));
    const m = readFileSync(manifest);
    m[m.indexOf('"until"') + 12] ^= 0x01;
    writeFileSync(manifest, m);
    expect((await verifyCli(dir)).text).toMatch(
      /341825-000002\/manifest.json: the gateway's signature does not verify/,
    );
  });

  it('fails naming the broken link when a middle archive is missing', async () => {
    const dir = copy();
    rmSync(join(dir, '341825-000002'), { recursive: true });
    expect(await verifyCli(dir)).toMatchObject({
      code: 1,
      text: expect.stringContaining(
        `341825-000003: the link to the previous archive is broken: it names digest ${exported[1].digest} of archive 2, but 341825-000002 is not in`,
      ),
    });
  });

  it('prunes only archived rows, and audit verify still passes from the archive anchor', async () => {
    const coverage = new DatabaseArchiveCoverage(deps.archives);
    expect(await coverage.isArchived('records', { createdAt: cuts[1] })).toBe(true);
    expect(await coverage.isArchived('audit', { createdAt: new Date(cuts[2].getTime() + 60_000) })).toBe(false);
    const before = await h.messages(JD).list({ limit: 1000 });
    const { archive, deleted } = await pruneArchived(JD, cuts[1], deps.archives);
    expect(archive.seq).toBe(2);
    expect(deleted.audit_event).toBe(archive.auditSeq);
    expect(deleted.message).toBeGreaterThan(0);
    const after = await h.messages(JD).list({ limit: 1000 });
    expect(after.length).toBe(before.length - deleted.message);
    expect(
      after.every((m) => m.createdAt.getTime() >= cuts[1].getTime() || ['pending', 'sent'].includes(m.status)),
    ).toBe(true);
    const federation = h.gateway(JD).app.get(ManifestStore).federation;
    expect(await verifyAuditTrail(JD, deps.audit, federation)).toMatchObject({
      ok: true,
      anchor: { seq: archive.auditSeq, archive: 2 },
    });
    // The chain goes on: a fourth archive links to the third and the whole sequence still verifies.
    await exchange(`JD-ARCH-${dialect}-4`);
    await eventually('checkpoint tokens', async () => (await deps.archives.checkpointsWithoutToken()).length === 0);
    const fourth = await exportArchive(JD, new Date(), out, deps);
    const stamped = readFileSync(join(fourth.dir, 'checkpoints.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(stamped.length).toBeGreaterThan(0);
    expect(stamped.every((c) => typeof c.timestamp === 'string')).toBe(true);
    // Countersignatures of earlier checkpoints came back meanwhile: archived with the entries recording their arrival.
    expect(await verifyCli(out)).toMatchObject({
      code: 0,
      text: expect.stringMatching(/4 archives verified: .* [1-9]\d* countersignatures/),
    });
    expect(await verifyAuditTrail(JD, deps.audit, federation)).toMatchObject({ ok: true });
  });
});
