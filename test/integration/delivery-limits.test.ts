import { ConfigResourceTypes } from 'kafkajs';
import { sampleLead } from '@xietong/contracts';
import { createKafka, TopicLimits } from '@xietong/messaging';
import { Database } from '@xietong/persistence';
import { brokers, eventually, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

/** A lead whose allegation facts take about `bytes` bytes of UTF-8. */
function leadWithFacts(leadNo: string, bytes: number, i = 0): Record<string, unknown> {
  const lead = sampleLead(leadNo, i);
  const allegation = lead.allegation as Record<string, unknown>;
  return { ...lead, allegation: { ...allegation, facts: '虚假宣传'.repeat(Math.ceil(bytes / 12)) } };
}

async function setMaxMessageBytes(h: Harness, topic: string, bytes: number): Promise<void> {
  const admin = h.kafka.admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: [{ name: 'max.message.bytes', value: String(bytes) }],
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

describe('accepted means delivered: records sized to the broker limit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'postgres' });
  });
  afterAll(() => h?.close());

  it('delivers a batch of 200 leads with 18 KB facts each (3.7 MB, more than one producer batch)', async () => {
    const items = Array.from({ length: 200 }, (_, i) => ({
      type: 'LEAD',
      recipient: HZ,
      body: leadWithFacts(`JD-BIG-${i}`, 18_000, i),
    }));
    expect(Buffer.byteLength(JSON.stringify({ items }))).toBeGreaterThan(3_500_000);
    const res = await h.post(JD, 'batch', { items });
    expect(res.status).toBe(202);
    const ids: string[] = res.json.items.map((i: { messageId: string }) => i.messageId);
    await eventually(
      'all 200 accepted by 杭州',
      async () => {
        const accepted = await h.messages(JD).list({ direction: 'out', status: 'accepted', limit: 1000 });
        return ids.every((id) => accepted.some((m) => m.messageId === id));
      },
      90_000,
    );
    expect(await h.messages(HZ).list({ direction: 'in', type: 'LEAD', limit: 1000 })).toHaveLength(200);
  });

  it('refuses at submission, with 413 naming the limit, a lead that can never fit', async () => {
    const res = await h.post(JD, 'leads', { recipient: HZ, body: leadWithFacts('JD-HUGE-1', 1_100_000) });
    expect(res.status).toBe(413);
    expect(res.json.error).toBe('RECORD_TOO_LARGE');
    expect(res.json.message).toContain('1048588');
    expect(res.json.message).toContain(`${h.prefix}.inbox.${HZ}`);
    expect(await h.messages(JD).list({ direction: 'out', correlationId: 'JD-HUGE-1' })).toHaveLength(0);
    // In a batch, the item is named.
    const batch = await h.post(JD, 'batch', {
      items: [
        { type: 'LEAD', recipient: HZ, body: sampleLead('JD-SMALL-OK') },
        { type: 'LEAD', recipient: HZ, body: leadWithFacts('JD-HUGE-2', 1_100_000) },
      ],
    });
    expect(batch.status).toBe(413);
    expect(batch.json.message).toMatch(/^items\.1: /);
  });

  it('fails a row the broker refuses for good, visibly, without delaying the rows behind it', async () => {
    // The partner's topic takes less than this gateway believes (it read the limit at start-up).
    const topic = `${h.prefix}.inbox.${HZ}`;
    await setMaxMessageBytes(h, topic, 65_536);
    try {
      const poison = await h.post(JD, 'leads', { recipient: HZ, body: leadWithFacts('JD-POISON-1', 100_000) });
      expect(poison.status).toBe(202);
      const behind = await h.post(JD, 'batch', {
        items: Array.from({ length: 5 }, (_, i) => ({
          type: 'LEAD',
          recipient: HZ,
          body: sampleLead(`JD-BEHIND-${i}`),
        })),
      });
      expect(behind.status).toBe(202);
      await eventually(
        'the rows behind the poison row accepted',
        async () => {
          for (const item of behind.json.items as { messageId: string }[]) {
            if ((await h.messages(JD).find(item.messageId))?.status !== 'accepted') return false;
          }
          return true;
        },
        20_000,
      );
      const failed = await eventually('poison row failed', async () => {
        const m = await h.messages(JD).find(poison.json.messageId);
        return m?.status === 'failed' ? m : undefined;
      });
      expect(failed.reasonCode).toBe('RECORD_TOO_LARGE');
      expect(failed.reason).toMatch(/MESSAGE_TOO_LARGE/);
      // Not retried: it left the pending queue after one attempt.
      const [outbox] = (await h
        .gateway(JD)
        .app.get(Database)
        .dataSource.query('SELECT status, attempts FROM outbox WHERE message_id = $1', [poison.json.messageId])) as {
        status: string;
        attempts: number;
      }[];
      expect(outbox).toEqual({ status: 'failed', attempts: 0 });
      // Visible through the API and the metrics (the console's messages page reads the same rows).
      const api = await h.get(JD, `/api/v1/messages?status=failed`);
      expect(api.status).toBe(200);
      expect(api.json.items).toContainEqual(
        expect.objectContaining({ messageId: poison.json.messageId, status: 'failed', reasonCode: 'RECORD_TOO_LARGE' }),
      );
      const metrics = await fetch(`${h.gateway(JD).url}/metrics`, {
        headers: { authorization: `Bearer ${await h.token(JD, ['auditor'])}` },
      }).then((r) => r.text());
      expect(metrics).toMatch(/xietong_messages\{[^}]*status="failed"[^}]*\} 1/);
    } finally {
      await setMaxMessageBytes(h, topic, 1_048_588);
    }
  });
});

describe('topic limits read from the broker', () => {
  it("reads a topic's max.message.bytes, and uses the configured default while the broker is down", async () => {
    const kafka = createKafka({ brokers: brokers().split(','), clientId: 'limits-test' });
    const admin = kafka.admin();
    const topic = `limits-${Date.now().toString(36)}`;
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '200000' }] }],
    });
    await admin.disconnect();
    const limits = new TopicLimits(kafka, { defaultMaxMessageBytes: 5000 });
    expect(limits.current(topic)).toBe(5000);
    expect(await limits.maxMessageBytes(topic)).toBe(200_000);
    expect(limits.current(topic)).toBe(200_000);

    const down = new TopicLimits(createKafka({ brokers: ['127.0.0.1:1'], clientId: 'limits-down' }), {
      defaultMaxMessageBytes: 5000,
      timeoutMs: 500,
    });
    const started = Date.now();
    expect(await down.maxMessageBytes(topic)).toBe(5000);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
