import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../apps/cli/src/cli';
import { sampleLead } from '@xietong/contracts';
import { AuditCheckpointer, CheckpointWitnessing, LocalKeys, signCheckpoint, silentLogs } from '@xietong/exchange';
import { AuditRepository, Database, entryHash, OutboxRepository, type AuditEntry } from '@xietong/persistence';
import { eventually, startFederation, type Harness, type TestDialect } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

// Checkpoints travel over Kafka: each gateway sends its signed checkpoint to the partners it
// exchanged with, and they countersign it. An insider holding the gateway's key and its database
// can rewrite the chain and re-sign every checkpoint; the partner's countersigned copy still shows it.
describe.each<TestDialect>(['postgres', 'sqlite'])('partners witness audit checkpoints over Kafka (%s)', (dialect) => {
  let h: Harness;
  let witnessFile: string;
  const sent: Record<string, number | undefined> = {};
  beforeAll(async () => {
    // The cadence is left to the test: only the explicit checkpoints below are signed.
    h = await startFederation({
      members: [JD, HZ],
      dialect,
      env: { XIETONG_AUDIT_CHECKPOINT_INTERVAL_MS: '3600000', XIETONG_AUDIT_CHECKPOINT_ENTRIES: '100000' },
    });
    const lead = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('JD-WIT-1') });
    await eventually(
      'lead accepted',
      async () => (await h.messages(JD).find(lead.json.messageId))?.status === 'accepted',
    );
    // Everything about the lead is published and chained first, so that what follows the
    // checkpoints below is the witnessing alone.
    await eventually('both outboxes empty', async () => {
      for (const id of [JD, HZ]) if ((await h.gateway(id).app.get(OutboxRepository).pendingCount()) > 0) return false;
      return true;
    });
    // Each signs its head; each checkpoint goes to the other, which countersigns it.
    for (const id of [HZ, JD]) {
      await settle(id);
      sent[id] = await h.gateway(id).app.get(AuditCheckpointer).checkpoint();
    }
    for (const [agency, witness] of [
      [JD, HZ],
      [HZ, JD],
    ])
      await eventually(`${witness}'s countersignature of ${agency}'s checkpoint back at ${agency}`, async () =>
        (await audit(agency).witnessed({ agency, witness })).some((w) => w.seq === sent[agency]),
      );
    witnessFile = join(h.dir, `witness-${dialect}.json`);
    const exported = await cli(HZ, ['audit', 'witnesses', 'export', '--agency', HZ, '--for', JD, '--out', witnessFile]);
    expect(exported).toMatchObject({ code: 0, text: expect.stringMatching(/1 checkpoints witnessed by 330100/) });
  });
  afterAll(() => h?.close());

  const audit = (id: string) => h.gateway(id).app.get(AuditRepository);
  /** Waits until every finished event is chained (on PostgreSQL, a running transaction holds newer ones back). */
  const settle = (id: string) =>
    eventually(`${id}'s audit events chained`, async () => {
      await audit(id).chainAll();
      return (await audit(id).pendingCount()) === 0;
    });
  /** A scheduler that signs as soon as one entry counts (the gateways' own waits an hour in this suite). */
  const eager = (id: string) =>
    new AuditCheckpointer(
      id,
      audit(id),
      h.gateway(id).app.get(LocalKeys).signer,
      { intervalMs: 1, entries: 1 },
      silentLogs,
      h.gateway(id).app.get(CheckpointWitnessing),
    );
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

  it('sends a checkpoint as AUDIT_CHECKPOINT and keeps the countersignature that comes back', async () => {
    const jd = h.messages(JD);
    const hz = h.messages(HZ);
    const [out] = await jd.list({ direction: 'out', type: 'AUDIT_CHECKPOINT', limit: 10 });
    expect(out).toMatchObject({ recipient: HZ, status: 'accepted', correlationId: `AUDIT-${JD}-${sent[JD]}` });
    expect(JSON.parse(out.body)).toMatchObject({ seq: sent[JD] });
    const [received] = await hz.list({ direction: 'in', type: 'AUDIT_CHECKPOINT', limit: 10 });
    expect(received).toMatchObject({ messageId: out.messageId, sender: JD });
    const [answer] = await hz.list({ direction: 'out', type: 'AUDIT_COUNTERSIGN', limit: 10 });
    expect(answer).toMatchObject({ recipient: JD, causationId: out.messageId });
    expect((await jd.find(answer.messageId))?.direction).toBe('in');
    // Both sides keep the same pair: 旌德's checkpoint with 杭州's countersignature.
    const [atJd] = await audit(JD).witnessed({ agency: JD, witness: HZ });
    const [atHz] = await audit(HZ).witnessed({ agency: JD, witness: HZ });
    expect(atJd).toEqual(atHz);
    expect(atJd.checkpoint).toBe((await audit(JD).checkpointAt(sent[JD]!))!.jws);
    // No receipt answers the witnessing: the countersignature answers the checkpoint.
    const receipted = (await jd.list({ direction: 'in', type: 'RECEIPT', limit: 100 })).flatMap((r) =>
      (JSON.parse(r.body) as { items: { messageId: string }[] }).items.map((i) => i.messageId),
    );
    expect(receipted).not.toContain(out.messageId);
    // Chained like any other traffic.
    const kinds = async (id: string) => {
      await settle(id);
      const all: string[] = [];
      for await (const e of audit(id).entries()) all.push(e.kind);
      return all;
    };
    expect(await kinds(JD)).toEqual(expect.arrayContaining(['CHECKPOINT_SENT', 'COUNTERSIGNATURE_RECEIVED']));
    expect(await kinds(HZ)).toEqual(expect.arrayContaining(['CHECKPOINT_RECEIVED', 'COUNTERSIGNATURE_SENT']));
  });

  it('does not let the witnessing beget checkpoints, while business traffic still does', async () => {
    for (const id of [JD, HZ]) {
      await settle(id);
      // The head moved past the checkpoint (the witnessing), yet nothing is due to a scheduler
      // that signs after a single counted entry.
      expect((await audit(id).head()).seq).toBeGreaterThan(sent[id]!);
      expect(await eager(id).checkpointIfDue()).toBeUndefined();
      expect((await audit(id).latestCheckpoint())?.seq).toBe(sent[id]);
    }
    const lead = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('JD-WIT-2') });
    expect(lead.status).toBe(202);
    await settle(JD);
    const next = await eager(JD).checkpointIfDue();
    expect(next).toBeGreaterThan(sent[JD]!);
    // That checkpoint travels too and is countersigned; the test federation then settles.
    await eventually('the second checkpoint countersigned', async () =>
      (await audit(JD).witnessed({ agency: JD, witness: HZ })).some((w) => w.seq === next),
    );
  });

  it('has a period holding only local entries witnessed too, by a partner it did not exchange with', async () => {
    // Everything exchanged so far is answered, chained and under a countersigned checkpoint.
    await eventually('every lead accepted', async () =>
      (await h.messages(JD).list({ direction: 'out', type: 'LEAD' })).every((m) => m.status === 'accepted'),
    );
    await settle(JD);
    const base = await eager(JD).checkpointIfDue();
    if (base !== undefined)
      await eventually('the covering checkpoint countersigned', async () =>
        (await audit(JD).witnessed({ agency: JD, witness: HZ })).some((w) => w.seq === base),
      );
    // Only a local entry follows: an auditor's API access. It is written once the response has
    // finished, so wait for it before settling the chain.
    const accesses = async () => {
      const count = async (table: string) =>
        Number((await sql(`SELECT COUNT(*) AS n FROM ${table} WHERE kind = 'API_ACCESS'`))[0].n);
      return (await count('audit_event')) + (await count('audit_pending'));
    };
    const before = await accesses();
    expect((await h.get(JD, '/api/v1/messages', ['auditor'])).status).toBe(200);
    await eventually('the API access recorded', async () => (await accesses()) > before);
    await settle(JD);
    const local = await eager(JD).checkpointIfDue();
    expect(local).toBeDefined();
    expect(await audit(JD).unwitnessedSince(JD)).toBeInstanceOf(Date);
    await eventually('the local-only checkpoint countersigned by 杭州', async () =>
      (await audit(JD).witnessed({ agency: JD, witness: HZ })).some((w) => w.seq === local),
    );
    expect(await audit(JD).unwitnessedSince(JD)).toBeUndefined();
    expect((await audit(JD).lastCountersigned(JD)).get(HZ)).toBeInstanceOf(Date);
  });

  it('exports a case trail with the countersigned checkpoint covering it, and verify --file checks both signatures', async () => {
    const file = join(h.dir, `trail-${dialect}.json`);
    const exported = await cli(JD, ['audit', 'export', '--agency', JD, '--case', 'JD-WIT-1', '--out', file]);
    expect(exported).toMatchObject({ code: 0, text: expect.stringMatching(/countersigned by 330100/) });
    const trail = JSON.parse(readFileSync(file, 'utf8'));
    expect(trail.checkpoint.seq).toBe(sent[JD]);
    expect(trail.witnesses).toEqual([expect.objectContaining({ witness: HZ })]);
    const authority = join(h.dir, 'authority.public.jwk.json');
    const offline = (f: string) => cli(JD, ['audit', 'verify', '--file', f, '--authority', authority]);
    expect(await offline(file)).toMatchObject({
      code: 0,
      text: expect.stringMatching(/the checkpoint is countersigned by 330100/),
    });
    // A countersignature of another checkpoint (杭州's second one) does not pass for this one.
    const other = (await audit(JD).witnessed({ agency: JD, witness: HZ })).find((w) => w.seq !== sent[JD]);
    trail.witnesses[0].countersignature = other!.countersignature;
    const forged = join(h.dir, `trail-forged-${dialect}.json`);
    writeFileSync(forged, JSON.stringify(trail));
    expect(await offline(forged)).toMatchObject({
      code: 1,
      text: expect.stringMatching(/the countersignature of checkpoint \d+ by 330100 does not verify/),
    });
  });

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

  it('refuses a checkpoint that contradicts one the partner witnessed (CHECKPOINT_CONFLICT)', async () => {
    // After rewriting the chain, the insider re-signs entry N with its new hash and lets the
    // gateway send it: 杭州 witnessed N already, with the old hash.
    const signer = h.gateway(JD).app.get(LocalKeys).signer;
    const seq = sent[JD]!;
    await sql(`DELETE FROM audit_checkpoint WHERE seq = ${p(1)}`, [seq]);
    const hash = 'e'.repeat(64);
    const jws = await signCheckpoint({ agency: JD, seq, hash, signedAt: new Date().toISOString() }, signer);
    const queued = await h.gateway(JD).app.get(CheckpointWitnessing).store({ seq, hash, signedAt: new Date(), jws }, 0);
    expect(queued).toEqual([HZ]);
    const q = await eventually(
      'the contradicting checkpoint quarantined at 杭州',
      async () => (await h.quarantine(HZ).list('CHECKPOINT_CONFLICT'))[0],
    );
    expect(q.reason).toMatch(
      new RegExp(
        `341825 signed entry ${seq} of its chain with hash e{64}, but this gateway witnessed [0-9a-f]{64} there`,
      ),
    );
    const [kept] = await audit(HZ).witnessed({ agency: JD, witness: HZ });
    expect(kept.hash).not.toBe(hash);
  });

  it('is not open to county systems over HTTP', async () => {
    const body = { seq: 1, hash: 'a'.repeat(64), checkpoint: 'x.y.z' };
    const batch = await h.post(JD, 'batch', { items: [{ type: 'AUDIT_CHECKPOINT', recipient: HZ, body }] }, undefined, [
      'admin',
    ]);
    expect(batch).toMatchObject({
      status: 400,
      json: { message: expect.stringMatching(/unknown message type AUDIT_CHECKPOINT/) },
    });
    expect((await h.post(JD, 'audit-checkpoints', { recipient: HZ, body }, undefined, ['admin'])).status).toBe(404);
  });
});
