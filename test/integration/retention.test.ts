import { sampleComplaint, sampleComplaintResult } from '@xietong/contracts';
import { ConsoleSessionStore } from '@xietong/gateway';
import { CaseRepository, Database } from '@xietong/persistence';
import { eventually, startFederation, type Harness, type TestDialect } from '@xietong/testing';
import { runCli } from '../../apps/cli/src/cli';

const JD = '341825';
const HZ = '330100';
const CASE = 'JDTS-RET-1';

/**
 * Issue #23: a complaint closed longer ago than its personal-data period has its complainant JWE
 * gone from both gateways' databases (every table's bytes searched), the audit trail still
 * verifies through the signed erasure entries, the API and console say erased (已删除), and a record
 * removed without such an entry still fails `audit verify`.
 */
describe.each<TestDialect>(['postgres', 'sqlite'])('retention and erasure of personal data on %s', (dialect) => {
  let h: Harness;
  let jwe: string;

  beforeAll(async () => {
    h = await startFederation({
      members: [JD, HZ],
      dialect,
      // The console is on (its identity provider is never asked: the session is made in the store).
      env: { XIETONG_OIDC_ISSUER: 'http://127.0.0.1:9' },
    });
  });
  afterAll(() => h?.close());

  const sql = (id: string, q: string, args: unknown[] = []) =>
    h.gateway(id).app.get(Database).dataSource.query(q, args) as Promise<Record<string, unknown>[]>;
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');

  async function cli(id: string, args: string[]) {
    const db = h.gateway(id).config.database;
    const where =
      db.type === 'postgres'
        ? ['--database-url', db.url, '--schema', db.schema]
        : ['--database-url', `sqlite:${db.file}`];
    const out: string[] = [];
    const code = await runCli([...args, '--agency', id, ...where, '--federation-dir', h.dir], {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
    });
    return { code, text: out.join('\n') };
  }

  /** Every table of the gateway's database, each row's every value, searched for the JWE and its ciphertext. */
  async function tablesHolding(id: string, needle: string): Promise<string[]> {
    const ciphertext = Buffer.from(needle.split('.')[3], 'base64url');
    const tables =
      dialect === 'postgres'
        ? await sql(
            id,
            `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`,
          )
        : await sql(id, `SELECT name FROM sqlite_master WHERE type = 'table'`);
    const found: string[] = [];
    for (const { name } of tables) {
      for (const row of await sql(id, `SELECT * FROM "${String(name)}"`)) {
        for (const [column, v] of Object.entries(row)) {
          const bytes = Buffer.isBuffer(v) ? v : Buffer.from(typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
          if (bytes.includes(Buffer.from(needle)) || bytes.includes(ciphertext) || bytes.includes(needle.split('.')[3]))
            found.push(`${String(name)}.${column}`);
        }
      }
    }
    return [...new Set(found)];
  }

  it('keeps personal data while the complaint is open, and the policy erases none of it yet', async () => {
    const sent = await h.post(JD, 'complaints', { recipient: HZ, body: sampleComplaint(CASE) });
    expect(sent.status).toBe(202);
    await eventually('receipt', async () => (await h.messages(JD).find(sent.json.messageId))?.status === 'accepted');
    const [received] = await h.messages(HZ).list({ direction: 'in', correlationId: CASE });
    jwe = (JSON.parse(received.body) as { complainant: string }).complainant;
    expect(jwe).toMatch(/^ey[\w-]+\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+$/);
    // The search finds what it looks for: the JWE is in the body and in the signed record bytes.
    expect(await tablesHolding(HZ, jwe)).toEqual(expect.arrayContaining(['message.body', 'message.record']));
    expect(await tablesHolding(JD, jwe)).toEqual(expect.arrayContaining(['message.body', 'message.record']));
    const later = new Date(Date.now() + 400 * 86_400_000).toISOString();
    const dry = await cli(HZ, ['retention', 'run', '--now', later, '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.text)).toMatchObject({
      erased: [],
      kept: expect.arrayContaining([{ class: 'records', reason: 'not archived yet' }]),
    });
  });

  it('erases it at both gateways once the complaint is closed and its period has passed', async () => {
    for (const status of ['ACCEPTED', 'CLOSED']) {
      const res = await h.post(HZ, 'complaint-results', {
        recipient: JD,
        body: { ...sampleComplaintResult(CASE), status },
      });
      expect(res.status).toBe(202);
      await eventually(`${status} at both`, async () => {
        const [a] = await h.gateway(JD).app.get(CaseRepository).find('COMPLAINT', CASE);
        const [b] = await h.gateway(HZ).app.get(CaseRepository).find('COMPLAINT', CASE);
        return a?.state === status && b?.state === status;
      });
    }
    // Within the period (365 days by default) nothing is erased.
    const soon = new Date(Date.now() + 300 * 86_400_000).toISOString();
    expect(JSON.parse((await cli(HZ, ['retention', 'run', '--now', soon, '--json'])).text).erased).toEqual([]);

    const later = new Date(Date.now() + 400 * 86_400_000).toISOString();
    const dry = JSON.parse((await cli(HZ, ['retention', 'run', '--now', later, '--dry-run', '--json'])).text);
    expect(dry.erased).toEqual([expect.objectContaining({ caseNo: CASE, partner: JD, state: 'CLOSED' })]);
    expect(await tablesHolding(HZ, jwe)).toContain('message.record');

    for (const id of [HZ, JD]) {
      const run = await cli(id, ['retention', 'run', '--now', later]);
      expect(run).toMatchObject({ code: 0, text: expect.stringContaining('erased personal data of 1 message(s)') });
      expect(await tablesHolding(id, jwe)).toEqual([]);
      const verified = await cli(id, ['audit', 'verify']);
      expect(verified).toMatchObject({
        code: 0,
        text: expect.stringContaining('1 erased messages match their signed erasure entries'),
      });
    }
    // Erasing again changes nothing.
    expect(JSON.parse((await cli(HZ, ['retention', 'run', '--now', later, '--json'])).text).erased).toEqual([]);
  });

  it('says erased (已删除) in the complainant route, the message API and the case page', async () => {
    const reveal = await h.get(HZ, `/api/v1/complaints/${CASE}/complainant`, ['handler']);
    expect(reveal).toMatchObject({
      status: 200,
      json: { complainant: null, erased: expect.stringContaining('已删除') },
    });
    const [received] = await h.messages(HZ).list({ direction: 'in', correlationId: CASE, type: 'COMPLAINT' });
    const one = await h.get(HZ, `/api/v1/messages/${received.messageId}`, ['auditor']);
    expect(one).toMatchObject({
      status: 200,
      json: { body: { complainant: 'erased' }, complainantMasked: null, erased: expect.stringContaining('已删除') },
    });
    expect(one.json.erasedAt).toEqual(expect.any(String));
    const session = h
      .gateway(HZ)
      .app.get(ConsoleSessionStore)
      .create({ subject: 'hz-handler', name: 'hz-handler', roles: ['handler'], idToken: '' });
    const page = await fetch(`${h.gateway(HZ).url}/console/cases/COMPLAINT/${CASE}?partner=${JD}`, {
      headers: { cookie: `xietong_console_${HZ}=${session.id}` },
    });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('id="complainant-erased"');
    expect(text).toContain('已删除');
    expect(text).not.toContain('id="reveal"');
  });

  it('still fails audit verify for a record removed without an erasure entry, or an erased row edited afterwards', async () => {
    const [result] = await sql(
      HZ,
      `SELECT message_id FROM message WHERE type = 'COMPLAINT_RESULT' AND direction = 'out'`,
    );
    const victim = String(result.message_id);
    const [kept] = await sql(HZ, `SELECT record FROM message WHERE message_id = ${p(1)}`, [victim]);
    await sql(HZ, `UPDATE message SET record = NULL WHERE message_id = ${p(1)}`, [victim]);
    try {
      expect(await cli(HZ, ['audit', 'verify'])).toMatchObject({
        code: 1,
        text: expect.stringContaining(`message ${victim}: the signed record bytes are not kept`),
      });
    } finally {
      await sql(HZ, `UPDATE message SET record = ${p(1)} WHERE message_id = ${p(2)}`, [kept.record, victim]);
    }
    const [erased] = await sql(HZ, `SELECT message_id, zone FROM message WHERE erased_at IS NOT NULL`);
    const id = String(erased.message_id);
    await sql(HZ, `UPDATE message SET zone = ${p(1)} WHERE message_id = ${p(2)}`, ['edited', id]);
    try {
      expect(await cli(HZ, ['audit', 'verify'])).toMatchObject({
        code: 1,
        text: expect.stringContaining(`message ${id}: its stored columns differ from what erasure entry`),
      });
    } finally {
      await sql(HZ, `UPDATE message SET zone = ${p(1)} WHERE message_id = ${p(2)}`, [erased.zone, id]);
    }
    expect((await cli(HZ, ['audit', 'verify'])).code).toBe(0);
  });

  it('reports the run in /metrics and the audit log', async () => {
    const res = await fetch(`${h.gateway(HZ).url}/metrics`, {
      headers: { authorization: `Bearer ${await h.token(HZ, ['auditor'])}` },
    });
    const text = await res.text();
    expect(text).toMatch(/^xietong_retention_erased_total\{[^}]*\} 1$/m);
    expect(text).toMatch(/^xietong_retention_deleted_total\{[^}]*class="quarantine"[^}]*\} 0$/m);
    const [last] = /^xietong_retention_last_run_timestamp_seconds\{[^}]*\} (\d+(\.\d+)?)$/m.exec(text)!.slice(1);
    expect(Number(last)).toBeGreaterThan(Date.now() / 1000 - 600);
    const kinds = (await sql(HZ, `SELECT kind FROM audit_event`)).map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['PERSONAL_DATA_ERASED', 'RETENTION_RUN']));
  });
});
