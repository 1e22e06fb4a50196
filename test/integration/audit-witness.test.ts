import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../apps/cli/src/cli';
import { sampleLead } from '@xietong/contracts';
import { AuditCheckpointer, keyLookup, LocalKeys, signCheckpoint, witnessCheckpoint } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { AuditRepository, Database, entryHash, type AuditEntry } from '@xietong/persistence';
import { eventually, startFederation, type Harness, type TestDialect } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

// An insider holding the gateway's key and its database can rewrite the chain and re-sign every
// checkpoint; the partner's countersigned copy of an earlier checkpoint still shows it.
describe.each<TestDialect>(['postgres', 'sqlite'])('partners witness audit checkpoints (%s)', (dialect) => {
  let h: Harness;
  let witnessFile: string;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect });
    const lead = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('JD-WIT-1') });
    await eventually(
      'lead accepted',
      async () => (await h.messages(JD).find(lead.json.messageId))?.status === 'accepted',
    );
    await audit(JD).chainAll();
    await h.gateway(JD).app.get(AuditCheckpointer).checkpoint();
    // 杭州 witnesses 旌德's newest checkpoint and countersigns it; each side keeps the pair.
    const [cp] = (await audit(JD).checkpoints()).slice(-1);
    const hz = h.gateway(HZ).app;
    const witnessed = await witnessCheckpoint(
      cp.jws,
      { ...hz.get(LocalKeys).signer, agency: HZ },
      keyLookup(hz.get(ManifestStore).federation),
    );
    await audit(HZ).saveWitnessed([witnessed]);
    await audit(JD).saveWitnessed([witnessed]);
    witnessFile = join(h.dir, `witness-${dialect}.json`);
    const exported = await cli(HZ, ['audit', 'witnesses', 'export', '--agency', HZ, '--for', JD, '--out', witnessFile]);
    expect(exported).toMatchObject({ code: 0, text: expect.stringMatching(/1 checkpoints witnessed by 330100/) });
  });
  afterAll(() => h?.close());

  const audit = (id: string) => h.gateway(id).app.get(AuditRepository);
  const sql = (q: string, args: unknown[] = []) => h.gateway(JD).app.get(Database).dataSource.query(q, args);
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
  async function cli(id: string, args: string[]) {
    const db = h.gateway(id).config.database;
    const where =
      db.type === 'postgres'
        ? ['--database-url', db.url, '--schema', db.schema!]
        : ['--database-url', `sqlite:${db.file}`];
    const out: string[] = [];
    const code = await runCli([...args, ...where, '--federation-dir', h.dir], {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
    });
    return { code, text: out.join('\n') };
  }
  const verify = (...extra: string[]) => cli(JD, ['audit', 'verify', '--agency', JD, ...extra]);

  /** Rewrites the chain from entry `from` on (or cuts it there), consistently, and re-signs it with 旌德's key. */
  async function rewriteAsInsider(change: 'edit' | 'cut', from: number) {
    const all: AuditEntry[] = [];
    for await (const e of audit(JD).entries()) all.push(e);
    const kept = change === 'cut' ? all.filter((e) => e.seq < from) : all;
    let prev = kept.length ? all[0].prevHash : '0'.repeat(64);
    const rewritten = kept.map((e) => {
      const detail = change === 'edit' && e.seq === from ? JSON.stringify({ rewritten: true }) : e.detail;
      const { hash: _old, ...rest } = { ...e, detail, prevHash: prev };
      const hash = entryHash(rest);
      prev = hash;
      return { ...rest, hash };
    });
    await sql(`DELETE FROM audit_event WHERE seq >= ${p(1)}`, [from]);
    for (const e of rewritten.filter((x) => x.seq >= from))
      await sql(
        `INSERT INTO audit_event (seq, occurred_at, kind, actor, message_id, case_no, partner, detail, prev_hash, hash) VALUES (${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(p).join(', ')})`,
        [
          e.seq,
          dialect === 'postgres' ? new Date(e.occurredAt) : e.occurredAt.replace('T', ' ').replace('Z', ''),
          e.kind,
          e.actor,
          e.messageId,
          e.caseNo,
          e.partner,
          e.detail,
          e.prevHash,
          e.hash,
        ],
      );
    const head = rewritten.at(-1)!;
    await sql(`UPDATE audit_head SET seq = ${p(1)}, hash = ${p(2)} WHERE id = 1`, [head.seq, head.hash]);
    // Re-sign: drop the old checkpoints and sign the new head with the gateway's own key.
    await sql('DELETE FROM audit_checkpoint');
    const signer = h.gateway(JD).app.get(LocalKeys).signer;
    const jws = await signCheckpoint(
      { agency: JD, seq: head.seq, hash: head.hash, signedAt: new Date().toISOString() },
      signer,
    );
    await audit(JD).saveCheckpoint({ seq: head.seq, hash: head.hash, signedAt: new Date(), jws });
  }

  it('verifies a chain that agrees with the checkpoints a partner witnessed', async () => {
    const r = await verify('--witnesses', witnessFile);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/the chain agrees with 1 checkpoints partners witnessed/);
  });

  it('refuses a witness file whose countersignature was altered', async () => {
    const doc = JSON.parse(readFileSync(witnessFile, 'utf8'));
    doc.checkpoints[0].hash = 'f'.repeat(64);
    const forged = join(h.dir, `forged-${dialect}.json`);
    writeFileSync(forged, JSON.stringify(doc));
    const r = await verify('--witnesses', forged);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/witnessed by 330100 does not verify/);
  });

  it('catches a chain an insider rewrote and re-signed with the gateway key, and one cut short', async () => {
    const witnessedSeq = JSON.parse(readFileSync(witnessFile, 'utf8')).checkpoints[0].seq as number;
    await rewriteAsInsider('edit', 2);
    // Alone, the rewritten chain and its fresh checkpoint verify: only the witness can tell.
    expect((await verify()).code).toBe(0);
    const rewritten = await verify('--witnesses', witnessFile);
    expect(rewritten.code).toBe(1);
    expect(rewritten.text).toMatch(
      new RegExp(`entry ${witnessedSeq} differs from the checkpoint 330100 witnessed \\(the chain was rewritten`),
    );

    await rewriteAsInsider('cut', witnessedSeq - 1);
    expect((await verify()).code).toBe(0);
    const cut = await verify('--witnesses', witnessFile);
    expect(cut.code).toBe(1);
    expect(cut.text).toMatch(/but 330100 witnessed checkpoint \d+ \(entries were removed\)/);
  });
});
