import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
import { sampleFeedback, sampleLead, SchemaCatalog } from '@xietong/contracts';
import { AuditCheckpointer, verifyAuditTrail, WireCodec } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { AuditRepository, Database, MessageRepository, OutboxRepository } from '@xietong/persistence';
import { eventually, startFederation, type Harness, type TestDialect } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

// What the API serves is what was signed: every column derived from a record is checked against it.
describe.each<TestDialect>(['postgres', 'sqlite'])('audit verify on %s', (dialect) => {
  let h: Harness;
  let leadId: string;
  let feedbackId: string;
  beforeAll(async () => {
    // 杭州 does not witness (it does not declare AUDIT_CHECKPOINT): 旌德's checkpoints stay home, so
    // the window of trust closes at each one (audit-witness.test.ts covers the witnessing).
    const catalog = SchemaCatalog.fromDirectory(join(repoRoot(), 'schemas'));
    const { AUDIT_CHECKPOINT: _, ...types } = catalog.typeVersions();
    h = await startFederation({
      members: [JD, HZ],
      dialect,
      capabilities: {
        [HZ]: { envelopes: catalog.envelopeVersions(), messageTypes: types as Record<string, number[]> },
      },
    });
    const lead = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('JD-COLS-1') });
    leadId = lead.json.messageId;
    await eventually('lead accepted', async () => (await h.messages(JD).find(leadId))?.status === 'accepted');
    const fb = await h.post(HZ, 'case-results', { recipient: JD, body: sampleFeedback('JD-COLS-1', 'x') });
    feedbackId = fb.json.messageId;
    await eventually('feedback accepted', async () => (await h.messages(HZ).find(feedbackId))?.status === 'accepted');
    await eventually('relay idle', async () => (await h.gateway(JD).app.get(OutboxRepository).pendingCount()) === 0);
  });
  afterAll(() => h?.close());

  const gw = () => h.gateway(JD).app;
  const sql = (q: string, args: unknown[] = []) => gw().get(Database).dataSource.query(q, args);
  const p = (n: number) => (dialect === 'postgres' ? `$${n}` : '?');
  const verify = async () => {
    await gw().get(AuditRepository).chainAll();
    return verifyAuditTrail(JD, gw().get(AuditRepository), gw().get(ManifestStore).federation, {
      messages: gw().get(MessageRepository),
      manifests: new Map(),
      codec: new WireCodec(join(repoRoot(), 'schemas')),
    });
  };

  /** Sets one column of one message, runs `check`, and puts the column back. */
  async function edited(messageId: string, column: string, value: unknown, check: () => Promise<void>) {
    const [before] = (await sql(`SELECT "${column}" AS v FROM message WHERE message_id = ${p(1)}`, [messageId])) as {
      v: unknown;
    }[];
    await sql(`UPDATE message SET "${column}" = ${p(1)} WHERE message_id = ${p(2)}`, [value, messageId]);
    try {
      await check();
    } finally {
      await sql(`UPDATE message SET "${column}" = ${p(1)} WHERE message_id = ${p(2)}`, [before.v, messageId]);
    }
  }

  it('compares the stored columns of sent and received messages with their records', async () => {
    const r = await verify();
    expect(r.findings).toEqual([]);
    expect(r).toMatchObject({ ok: true });
    // The lead (sent, bytes from the outbox) and the feedback (received, bytes kept with it), at least.
    expect(r.columns).toBeGreaterThanOrEqual(2);
    expect(r.columns).toBe(r.signatures);
  });

  const editedBody = (body: string) => {
    const b = JSON.parse(body);
    if (b.allegation) b.allegation.summary = `${b.allegation.summary} (edited)`;
    else b.note = 'edited';
    return JSON.stringify(b);
  };
  const cases: [string, string, (old: any) => unknown][] = [
    ['body', 'body', (old) => editedBody(String(old))],
    ['type', 'type', (old) => (old === 'LEAD' ? 'COMPLAINT' : 'LEAD')],
    ['zone', 'zone', () => 'YRD-FORGED'],
    ['correlation_id', 'correlationId', () => 'JD-OTHER-9'],
    ['causation_id', 'causationId', () => '00000000-0000-4000-8000-000000000000'],
    [
      'created_at',
      'createdAt',
      () => (dialect === 'postgres' ? new Date('2020-01-01T00:00:00Z') : '2020-01-01 00:00:00.000'),
    ],
    ['body_schema', 'bodySchema', () => 'ab'.repeat(32)],
    ['sender', 'sender', () => '320100'],
    ['recipient', 'recipient', () => '320100'],
  ];
  for (const direction of ['received', 'sent'] as const) {
    it.each(cases)(`catches an edit of a ${direction} message's %s column`, async (column, field, value) => {
      const id = direction === 'received' ? feedbackId : leadId;
      const [row] = (await sql(`SELECT "${column}" AS v FROM message WHERE message_id = ${p(1)}`, [id])) as {
        v: unknown;
      }[];
      await edited(id, column, value(row.v), async () => {
        const r = await verify();
        expect(r.ok).toBe(false);
        const mine = r.findings.filter((f) => f.messageId === id);
        expect(mine.map((f) => f.field)).toContainEqual(field === 'body' ? expect.stringMatching(/^body\./) : field);
        expect(mine[0].problem).toMatch(/differs from the signed record/);
      });
      expect((await verify()).ok).toBe(true);
    });
  }

  it('reports the entries after the last checkpoint, and a chain cut back behind a checkpoint', async () => {
    await gw().get(AuditRepository).chainAll();
    const before = await verify();
    expect(before.unsigned).toBe(
      before.entries - Math.max(0, ...(await gw().get(AuditRepository).checkpoints()).map((c) => c.seq)),
    );
    const seq = await gw().get(AuditCheckpointer).checkpoint();
    expect(seq).toBeGreaterThan(0);
    const signed = await verify();
    expect(signed).toMatchObject({ ok: true, unsigned: 0 });
    // Only to members that declare the capability: 杭州 got no AUDIT_CHECKPOINT.
    expect(await h.messages(JD).list({ type: 'AUDIT_CHECKPOINT' })).toEqual([]);

    // Delete the last entry and set the head back to the entry before it, consistently.
    const [last] = (await sql(`SELECT seq FROM audit_event ORDER BY seq DESC LIMIT 1`)) as { seq: number }[];
    const [prev] = (await sql(`SELECT seq, hash FROM audit_event WHERE seq = ${p(1)}`, [Number(last.seq) - 1])) as {
      seq: number;
      hash: string;
    }[];
    const [removed] = (await sql(`SELECT * FROM audit_event WHERE seq = ${p(1)}`, [last.seq])) as Record<
      string,
      unknown
    >[];
    await sql(`DELETE FROM audit_event WHERE seq = ${p(1)}`, [last.seq]);
    await sql(`UPDATE audit_head SET seq = ${p(1)}, hash = ${p(2)} WHERE id = 1`, [prev.seq, prev.hash]);
    try {
      const cut = await verifyAuditTrail(JD, gw().get(AuditRepository), gw().get(ManifestStore).federation);
      expect(cut.ok).toBe(false);
      expect(cut.finding?.problem).toMatch(/entries were removed from the end/);
    } finally {
      const cols = Object.keys(removed);
      await sql(
        `INSERT INTO audit_event (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => p(i + 1)).join(', ')})`,
        cols.map((c) => removed[c]),
      );
      await sql(`UPDATE audit_head SET seq = ${p(1)}, hash = ${p(2)} WHERE id = 1`, [last.seq, removed.hash]);
    }
    expect((await verify()).ok).toBe(true);
  });

  it('signs the final head at a graceful stop, so the window of trust closes', async () => {
    // More events after the last checkpoint: an API read is audited.
    expect((await h.get(JD, '/api/v1/cases')).status).toBe(200);
    const config = h.gateway(JD).config;
    await h.gateway(JD).close();
    h.gateways.delete(JD);
    const db = await Database.open(config.database, { migrate: false });
    try {
      const audit = new AuditRepository(db);
      const head = await audit.head();
      expect(head.seq).toBeGreaterThan(0);
      expect(await audit.latestCheckpoint()).toEqual(head);
    } finally {
      await db.close();
    }
  });
});
