import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGatewayConfig } from '@xietong/config';
import { sampleLead } from '@xietong/contracts';
import { startGateway } from '@xietong/gateway';
import { MessageRepository } from '@xietong/persistence';
import { eventually, startFederation, testLogLevels, TEST_POSTGRES_URL, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

// A PostgreSQL restore from a backup older than the group's committed offsets: without the start-up
// check the records between the backup and the crash are committed in Kafka but absent from the
// database, and nothing would ever read them again.
describe('restore behind committed offsets', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'postgres' });
  });
  afterAll(() => h?.close());

  const send = async (from: number, n: number) => {
    const items = Array.from({ length: n }, (_, i) => ({
      type: 'LEAD',
      recipient: HZ,
      body: sampleLead(`RST-${String(from + i).padStart(3, '0')}`, i),
    }));
    const res = await h.post(JD, 'batch', { items });
    expect(res.status).toBe(202);
    return (res.json.items as { messageId: string }[]).map((i) => i.messageId);
  };
  const receivedAt = async (repo: MessageRepository, ids: string[]) => {
    const rows = await repo.list({ direction: 'in', type: 'LEAD', limit: 1000 });
    return ids.map((id) => rows.filter((r) => r.messageId === id).length);
  };

  it('re-reads what the restored database lacks, and stores each record exactly once', async () => {
    const hz = h.gateway(HZ);
    const db = hz.config.database;
    if (db.type !== 'postgres') throw new Error('postgres expected');
    const first = await send(0, 6);
    await eventually('the first 6 leads at 330100', async () =>
      (await receivedAt(h.messages(HZ), first)).every((n) => n === 1),
    );
    // The nightly backup (pg_dump of the gateway's schema), then more traffic, then the loss.
    const dump = join(mkdtempSync(join(tmpdir(), 'xt-backup-')), 'gateway.sql');
    execFileSync('pg_dump', ['-d', TEST_POSTGRES_URL, '-n', db.schema, '-f', dump]);
    const later = await send(6, 4);
    await eventually('the later 4 leads at 330100 (offsets committed past the backup)', async () =>
      (await receivedAt(h.messages(HZ), later)).every((n) => n === 1),
    );
    await hz.close();
    h.gateways.delete(HZ);
    execFileSync('psql', ['-q', '-d', TEST_POSTGRES_URL, '-c', `DROP SCHEMA "${db.schema}" CASCADE`]);
    execFileSync('psql', ['-q', '-d', TEST_POSTGRES_URL, '-v', 'ON_ERROR_STOP=1', '-f', dump]);

    const restoredLater = execFileSync(
      'psql',
      [
        '-tA',
        '-d',
        TEST_POSTGRES_URL,
        '-c',
        `SELECT COUNT(*) FROM "${db.schema}".message WHERE message_id IN (${later.map((id) => `'${id}'`).join(',')})`,
      ],
      { encoding: 'utf8' },
    ).trim();
    expect(restoredLater).toBe('0');

    const restarted = await startGateway(loadGatewayConfig(h.envFor(HZ, db)), { logLevels: testLogLevels() });
    h.gateways.set(HZ, restarted);
    const repo = restarted.app.get(MessageRepository);
    const counts = await eventually('the 4 leads after the backup re-read', async () => {
      const c = await receivedAt(repo, [...first, ...later]);
      return c.every((n) => n >= 1) ? c : undefined;
    });
    expect(counts).toEqual(Array(10).fill(1));
    // The sender sees every lead accepted; the re-read leads were answered again, harmlessly.
    await eventually('all 10 accepted at 341825', async () => {
      const s = await Promise.all([...first, ...later].map(async (id) => (await h.messages(JD).find(id))?.status));
      return s.every((v) => v === 'accepted');
    });
  });
});
