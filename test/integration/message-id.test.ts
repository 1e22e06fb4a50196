import { sampleComplaint, sampleLead } from '@xietong/contracts';
import { OutboxRepository } from '@xietong/persistence';
import { DIALECTS, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

/**
 * A county system may retry a submission, or send it twice at once: the messageId makes it the
 * same message. The first copy is created, a repeat with the same request is answered as such
 * (created:false), a repeat with a different request is a 409, and a batch that names one id
 * twice is a 400; never a 500 from the primary key.
 */
describe.each(DIALECTS)('client messageId on %s', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect, offline: [HZ] });
  });
  afterAll(() => h?.close());

  const id = (n: number) => `7c1e0a52-4b1f-4d5e-9a0b-${String(n).padStart(12, '0')}`;
  const outbox = () => h.gateway(JD).app.get(OutboxRepository);
  const stored = async (messageId: string) =>
    (await h.messages(JD).list({ direction: 'out', limit: 1000 })).filter((m) => m.messageId === messageId);

  it('creates a message sent several times at once exactly once', async () => {
    const messageId = id(1);
    const request = { recipient: HZ, messageId, body: sampleLead('MID-1') };
    const answers = await Promise.all(Array.from({ length: 6 }, () => h.post(JD, 'leads', request)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(202));
    expect(answers.filter((a) => a.json.created === true)).toHaveLength(1);
    expect(answers.filter((a) => a.json.created === false)).toHaveLength(5);
    for (const a of answers) expect(a.json).toMatchObject({ messageId, recipient: HZ, correlationId: 'MID-1' });
    expect(await stored(messageId)).toHaveLength(1);
  });

  it('answers a repeat with the same body created:false, and one with a different body 409', async () => {
    const messageId = id(2);
    const first = await h.post(JD, 'leads', { recipient: HZ, messageId, body: sampleLead('MID-2') });
    const same = await h.post(JD, 'leads', { recipient: HZ, messageId, body: sampleLead('MID-2') });
    const other = await h.post(JD, 'leads', { recipient: HZ, messageId, body: sampleLead('MID-2', 1) });
    expect([first.status, first.json.created]).toEqual([202, true]);
    expect([same.status, same.json.created]).toEqual([202, false]);
    expect(other).toMatchObject({
      status: 409,
      json: { error: 'MESSAGE_ID_CONFLICT', field: 'messageId', message: expect.stringContaining(messageId) },
    });
    const [row] = await stored(messageId);
    expect(sampleLead('MID-2').source).not.toBe(sampleLead('MID-2', 1).source);
    expect(JSON.parse(row.body)).toMatchObject({ leadNo: 'MID-2', source: sampleLead('MID-2').source });
  });

  it('tells a repeated complaint from a changed one although its personal data is encrypted anew', async () => {
    const messageId = id(3);
    const body = sampleComplaint('MID-3');
    const first = await h.post(JD, 'complaints', { recipient: HZ, messageId, body });
    const same = await h.post(JD, 'complaints', { recipient: HZ, messageId, body });
    const changed = await h.post(JD, 'complaints', {
      recipient: HZ,
      messageId,
      body: { ...body, complainant: { ...(body.complainant as object), phone: '13900000000' } },
    });
    expect([first.status, first.json.created, same.status, same.json.created]).toEqual([202, true, 202, false]);
    expect(changed.status).toBe(409);
    expect(changed.json.error).toBe('MESSAGE_ID_CONFLICT');
  });

  it('refuses a batch that names one messageId twice with 400, and writes nothing', async () => {
    const before = await outbox().pendingCount();
    const res = await h.post(JD, 'batch', {
      items: [
        { type: 'LEAD', recipient: HZ, messageId: id(4), body: sampleLead('MID-4') },
        { type: 'LEAD', recipient: HZ, messageId: id(5), body: sampleLead('MID-5') },
        { type: 'LEAD', recipient: HZ, messageId: id(4), body: sampleLead('MID-4') },
      ],
    });
    expect(res).toMatchObject({
      status: 400,
      json: { error: 'VALIDATION_FAILED', field: 'items.2.messageId', message: expect.stringContaining('items.0') },
    });
    expect(await stored(id(4))).toHaveLength(0);
    expect(await stored(id(5))).toHaveLength(0);
    expect(await outbox().pendingCount()).toBe(before);
  });

  it('answers each item of a batch: stored before -> created:false, new -> created:true', async () => {
    await h.post(JD, 'leads', { recipient: HZ, messageId: id(6), body: sampleLead('MID-6') });
    const res = await h.post(JD, 'batch', {
      items: [
        { type: 'LEAD', recipient: HZ, messageId: id(6), body: sampleLead('MID-6') },
        { type: 'LEAD', recipient: HZ, messageId: id(7), body: sampleLead('MID-7') },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.json.items.map((i: { messageId: string; created: boolean }) => [i.messageId, i.created])).toEqual([
      [id(6), false],
      [id(7), true],
    ]);
  });

  it('refuses a whole batch with 409 when one item reuses a stored id for another body', async () => {
    await h.post(JD, 'leads', { recipient: HZ, messageId: id(8), body: sampleLead('MID-8') });
    const res = await h.post(JD, 'batch', {
      items: [
        { type: 'LEAD', recipient: HZ, messageId: id(9), body: sampleLead('MID-9') },
        { type: 'LEAD', recipient: HZ, messageId: id(8), body: sampleLead('MID-8-OTHER') },
      ],
    });
    expect(res).toMatchObject({ status: 409, json: { error: 'MESSAGE_ID_CONFLICT', field: 'items.1.messageId' } });
    expect(await stored(id(9))).toHaveLength(0);
  });

  it('answers concurrent batches sharing an id without a 500, and stores each message once', async () => {
    const batch = (n: number) => ({
      items: [
        { type: 'LEAD', recipient: HZ, messageId: id(20), body: sampleLead('MID-20') },
        { type: 'LEAD', recipient: HZ, messageId: id(30 + n), body: sampleLead(`MID-3${n}`) },
      ],
    });
    const answers = await Promise.all([0, 1, 2, 3].map((n) => h.post(JD, 'batch', batch(n))));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    const shared = answers.map((a) => a.json.items[0].created);
    expect(shared.filter((c) => c === true)).toHaveLength(1);
    expect(answers.every((a) => a.json.items[1].created === true)).toBe(true);
    expect(await stored(id(20))).toHaveLength(1);
  });
});
