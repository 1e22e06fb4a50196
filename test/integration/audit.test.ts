import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../apps/cli/src/cli';
import { generateSigningKey } from '@xietong/crypto';
import { sampleFeedback, sampleLead } from '@xietong/contracts';
import { AuditCheckpointer, verifyAuditTrail } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { AuditRepository, Database, entryHash, OutboxRepository, type AuditEntry } from '@xietong/persistence';
import { eventually, startFederation, type Harness } from '@xietong/testing';
import { shanghaiDate } from '@xietong/workflow';

const JD = '341825';
const HZ = '330100';

describe('hash-chained audit trail', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFederation({
      members: [JD, HZ],
      dialect: 'postgres',
      env: { XIETONG_ANONYMOUS_AUDIT_INTERVAL_MS: '1000' },
    });
    const lead = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('JD-AUDIT-1') });
    await eventually(
      'lead accepted',
      async () => (await h.messages(JD).find(lead.json.messageId))?.status === 'accepted',
    );
    const fb = await h.post(HZ, 'case-results', { recipient: JD, body: sampleFeedback('JD-AUDIT-1', 'x') });
    await eventually(
      'feedback accepted',
      async () => (await h.messages(HZ).find(fb.json.messageId))?.status === 'accepted',
    );
    // Let the last receipt's relay cycle commit before the trail is inspected.
    await eventually(
      'relay idle at 341825',
      async () => (await h.gateway(JD).app.get(OutboxRepository).pendingCount()) === 0,
    );
    await new Promise((r) => setTimeout(r, 500));
    await h.gateway(JD).app.get(AuditCheckpointer).checkpoint();
  });
  afterAll(() => h?.close());

  const audit = () => h.gateway(JD).app.get(AuditRepository);
  const sql = (q: string, args: unknown[] = []) => h.gateway(JD).app.get(Database).dataSource.query(q, args);
  /** Waits for in-flight audit events (access events are written after the response) and chains them. */
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 300));
    await audit().chainAll();
    await eventually('audit chained', async () => (await audit().pendingCount()) === 0);
  };
  const verify = () => verifyAuditTrail(JD, audit(), h.gateway(JD).app.get(ManifestStore).federation);
  const entries = async () => {
    const out: AuditEntry[] = [];
    for await (const e of audit().entries()) out.push(e);
    return out;
  };
  const cli = async () => {
    const db = h.gateway(JD).config.database as { url: string; schema: string };
    const out: string[] = [];
    const code = await runCli(
      ['audit', 'verify', '--agency', JD, '--database-url', db.url, '--schema', db.schema, '--federation-dir', h.dir],
      { out: (t) => out.push(t), err: (t) => out.push(t) },
    );
    return { code, text: out.join('\n') };
  };

  it('records every data-flow event of both sides and verifies, also from the CLI', async () => {
    expect((await entries()).map((e) => e.kind)).toEqual(
      expect.arrayContaining(['SUBMITTED', 'PUBLISHED', 'RECEIPT_RECEIVED', 'RECEIVED', 'RECEIPT_SENT']),
    );
    const hz: string[] = [];
    for await (const e of h.gateway(HZ).app.get(AuditRepository).entries()) hz.push(e.kind);
    expect(hz).toEqual(
      expect.arrayContaining(['RECEIVED', 'RECEIPT_SENT', 'SUBMITTED', 'PUBLISHED', 'RECEIPT_RECEIVED']),
    );
    expect(await verify()).toMatchObject({ ok: true, checkpoints: 1 });
    expect(await cli()).toMatchObject({
      code: 0,
      text: expect.stringMatching(/verified: \d+ entries, 1 signed checkpoints, [1-9]\d* message signatures/),
    });
  });

  it('names a stored message whose signature was swapped', async () => {
    await settle();
    // Another message signed by the same partner key: the header still names a valid key.
    const rows = (await sql(
      `SELECT message_id, signature FROM message WHERE direction = 'in' AND sender = $1 ORDER BY message_id`,
      [HZ],
    )) as { message_id: string; signature: string }[];
    const [victim] = (await sql(
      `SELECT message_id, signature FROM message WHERE direction = 'in' AND type = 'CASE_RESULT'`,
    )) as { message_id: string; signature: string }[];
    const other = rows.find((r) => r.message_id !== victim.message_id)!;
    await sql(`UPDATE message SET signature = $1 WHERE message_id = $2`, [other.signature, victim.message_id]);
    try {
      expect(await cli()).toMatchObject({
        code: 1,
        text: expect.stringContaining(
          `FAILED at stored message ${victim.message_id}: message ${victim.message_id}: stored signature does not verify`,
        ),
      });
    } finally {
      await sql(`UPDATE message SET signature = $1 WHERE message_id = $2`, [victim.signature, victim.message_id]);
    }
    expect((await cli()).code).toBe(0);
  });

  it('records API access, refused or served, with who, what and the outcome (anonymous ones counted per interval)', async () => {
    await h.get(JD, '/api/v1/cases', ['auditor']);
    await fetch(`${h.gateway(JD).url}/api/v1/quarantine`);
    const access = await eventually('access events', async () => {
      await audit().chainAll();
      const found = (await entries()).filter((e) => e.kind === 'API_ACCESS');
      return found.some((e) => e.actor === 'anonymous') && found.some((e) => e.detail.includes('/api/v1/cases'))
        ? found
        : undefined;
    });
    expect(access.map((e) => ({ actor: e.actor, ...JSON.parse(e.detail) }))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: 'test-user',
          method: 'GET',
          path: '/api/v1/cases',
          status: 200,
          roles: ['auditor'],
        }),
        expect.objectContaining({
          actor: 'anonymous',
          anonymous: true,
          byStatus: expect.objectContaining({ 401: expect.any(Number) }),
          paths: expect.objectContaining({ 'GET /api/v1/quarantine': expect.any(Number) }),
        }),
      ]),
    );
    await h.gateway(JD).app.get(AuditCheckpointer).checkpoint();
    expect((await verify()).ok).toBe(true);
  });

  it("reports the month's flows per partner and type exactly as exchanged, as JSON and CSV", async () => {
    const month = shanghaiDate(new Date()).slice(0, 7);
    const jd = await h.get(JD, `/api/v1/reports/monthly?month=${month}`, ['auditor']);
    expect(jd.json.rows).toEqual([
      {
        partner: HZ,
        type: 'CASE_RESULT',
        sent: 0,
        received: 1,
        accepted: 0,
        rejected: 0,
        overdue: 0,
        avgFeedbackWorkingDays: null,
      },
      {
        partner: HZ,
        type: 'LEAD',
        sent: 1,
        received: 0,
        accepted: 1,
        rejected: 0,
        overdue: 0,
        avgFeedbackWorkingDays: 0,
      },
    ]);
    const hz = await h.get(HZ, `/api/v1/reports/monthly?month=${month}`, ['auditor']);
    expect(hz.json.rows).toEqual([
      expect.objectContaining({ partner: JD, type: 'CASE_RESULT', sent: 1, accepted: 1 }),
      expect.objectContaining({ partner: JD, type: 'LEAD', received: 1 }),
    ]);
    const csv = await fetch(`${h.gateway(JD).url}/api/v1/reports/monthly?month=${month}&format=csv`, {
      headers: { authorization: `Bearer ${await h.token(JD, ['auditor'])}` },
    });
    expect((await csv.text()).split('\n')).toEqual([
      'partner,type,sent,received,accepted,rejected,overdue,avg_feedback_working_days',
      `${HZ},CASE_RESULT,0,1,0,0,0,`,
      `${HZ},LEAD,1,0,1,0,0,0`,
      '',
    ]);
    expect((await h.get(JD, '/api/v1/reports/monthly?month=2026-13', ['auditor'])).status).toBe(400);
    expect((await h.get(JD, `/api/v1/reports/monthly?month=${month}`, ['submitter'])).status).toBe(403);
  });

  it('exports the trail of one case to a file that verifies offline, and catches edits to it', async () => {
    const db = h.gateway(JD).config.database as { url: string; schema: string };
    const file = join(h.dir, 'trail.json');
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const code = await runCli(args, { out: (t) => out.push(t), err: (t) => out.push(t) });
      return { code, text: out.join('\n') };
    };
    expect(
      await run(
        'audit',
        'export',
        '--agency',
        JD,
        '--case',
        'JD-AUDIT-1',
        '--out',
        file,
        '--database-url',
        db.url,
        '--schema',
        db.schema,
        '--federation-dir',
        h.dir,
      ),
    ).toMatchObject({ code: 0 });
    const authority = join(h.dir, 'authority.public.jwk.json');
    const ok = await run('audit', 'verify', '--file', file, '--authority', authority);
    expect(ok).toMatchObject({
      code: 0,
      text: expect.stringMatching(
        /verified offline: \d+ audit entries up to signed checkpoint \d+, 2 message signatures/,
      ),
    });

    const trail = JSON.parse(readFileSync(file, 'utf8'));
    const edit = async (change: (t: any) => void) => {
      const copy = structuredClone(trail);
      change(copy);
      writeFileSync(join(h.dir, 'edited.json'), JSON.stringify(copy));
      return run('audit', 'verify', '--file', join(h.dir, 'edited.json'), '--authority', authority);
    };
    expect(
      await edit(
        (t) =>
          (t.messages[0].record = Buffer.from(
            Buffer.from(t.messages[0].record, 'base64').map((b: number, i: number) => (i === 40 ? b ^ 1 : b)),
          ).toString('base64')),
      ),
    ).toMatchObject({ code: 1, text: expect.stringContaining('signature does not verify') });
    expect(await edit((t) => (t.segment[0].actor = 'someone-else'))).toMatchObject({
      code: 1,
      text: expect.stringContaining('its content was changed'),
    });
    expect(await edit((t) => t.segment.splice(1, 1))).toMatchObject({
      code: 1,
      text: expect.stringContaining('is missing from the segment'),
    });
    const rogue = await generateSigningKey('EdDSA', JSON.parse(readFileSync(authority, 'utf8')).kid);
    writeFileSync(join(h.dir, 'rogue.json'), JSON.stringify(rogue.publicJwk));
    expect(await run('audit', 'verify', '--file', file, '--authority', join(h.dir, 'rogue.json'))).toMatchObject({
      code: 1,
      text: expect.stringContaining('manifest serial'),
    });
  });

  it('names an entry whose content was changed', async () => {
    await settle();
    const [{ actor }] = await sql(`SELECT actor FROM audit_event WHERE seq = 2`);
    await sql(`UPDATE audit_event SET actor = 'mallory' WHERE seq = 2`);
    try {
      expect((await verify()).finding).toEqual({ seq: 2, problem: expect.stringContaining('content was changed') });
      expect(await cli()).toMatchObject({ code: 1, text: expect.stringContaining('FAILED at entry 2') });
    } finally {
      await sql(`UPDATE audit_event SET actor = $1 WHERE seq = 2`, [actor]);
    }
    expect((await verify()).ok).toBe(true);
  });

  it('names the place of a deleted entry', async () => {
    await settle();
    const [row] = await sql(`SELECT * FROM audit_event WHERE seq = 3`);
    await sql(`DELETE FROM audit_event WHERE seq = 3`);
    try {
      expect((await verify()).finding).toEqual({ seq: 4, problem: 'entry 3 is missing before entry 4 (deleted?)' });
    } finally {
      const cols = Object.keys(row);
      await sql(
        `INSERT INTO audit_event (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
        cols.map((c) => row[c]),
      );
    }
    expect((await verify()).ok).toBe(true);
  });

  it('detects an inserted entry', async () => {
    await settle();
    const head = await audit().head();
    const forged = {
      seq: head.seq + 1,
      occurredAt: new Date().toISOString(),
      kind: 'RECEIVED',
      actor: 'inbound',
      messageId: null,
      caseNo: 'FAKE',
      partner: HZ,
      detail: '{}',
      prevHash: 'f'.repeat(64),
    };
    await sql(
      `INSERT INTO audit_event (seq, occurred_at, kind, actor, message_id, case_no, partner, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        forged.seq,
        forged.occurredAt,
        forged.kind,
        forged.actor,
        null,
        forged.caseNo,
        forged.partner,
        forged.detail,
        forged.prevHash,
        entryHash(forged),
      ],
    );
    try {
      expect((await verify()).finding).toEqual({
        seq: head.seq + 1,
        problem: expect.stringContaining(`does not link to entry ${head.seq}`),
      });
    } finally {
      await sql(`DELETE FROM audit_event WHERE seq = $1`, [forged.seq]);
    }
  });

  it('detects a chain rewritten consistently after a signed checkpoint', async () => {
    await settle();
    const original = await entries();
    // Rewrite entry 1 and recompute every later hash and the head, as an insider with database access could.
    let prev = '0'.repeat(64);
    for (const e of original) {
      const changed = { ...e, actor: e.seq === 1 ? 'someone-else' : e.actor, prevHash: prev };
      const { hash: _old, ...rest } = changed;
      const hash = entryHash(rest);
      await sql(`UPDATE audit_event SET actor = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, [
        changed.actor,
        changed.prevHash,
        hash,
        e.seq,
      ]);
      prev = hash;
    }
    await sql(`UPDATE audit_head SET hash = $1 WHERE id = 1`, [prev]);
    try {
      const r = await verify();
      expect(r.finding?.problem).toContain('differs from the signed checkpoint');
    } finally {
      for (const e of original)
        await sql(`UPDATE audit_event SET actor = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, [
          e.actor,
          e.prevHash,
          e.hash,
          e.seq,
        ]);
      await sql(`UPDATE audit_head SET hash = $1 WHERE id = 1`, [original[original.length - 1].hash]);
    }
    expect((await verify()).ok).toBe(true);
  });
});
