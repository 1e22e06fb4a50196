import { sampleComplaint, sampleComplaintResult, sampleDisposal, sampleFeedback, sampleLead } from '@xietong/contracts';
import { DIALECTS, eventually, receiptItems, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

describe.each(DIALECTS)('signed exchange between two gateways on %s', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect });
  });
  afterAll(() => h?.close());

  it('delivers every business message type exactly once and returns an accepted receipt to the sender', async () => {
    const sent = [
      { from: JD, to: HZ, kind: 'leads', body: sampleLead('JD-2026-0001', 0), type: 'LEAD' },
      {
        from: HZ,
        to: JD,
        kind: 'case-results',
        body: sampleFeedback('JD-2026-0001', '杭市监立〔2026〕88号'),
        type: 'CASE_RESULT',
      },
      {
        from: HZ,
        to: JD,
        kind: 'case-results',
        body: sampleDisposal('JD-2026-0001', '杭市监处罚〔2026〕12号'),
        type: 'CASE_RESULT',
      },
      { from: JD, to: HZ, kind: 'complaints', body: sampleComplaint('TS-2026-0001', 0), type: 'COMPLAINT' },
      {
        from: HZ,
        to: JD,
        kind: 'complaint-results',
        body: sampleComplaintResult('TS-2026-0001'),
        type: 'COMPLAINT_RESULT',
      },
    ];
    const ids: string[] = [];
    for (const s of sent) {
      // Results answer a transfer, so each waits until what it answers has arrived.
      if (s.from === HZ)
        await eventually(
          'the transfer at 330100',
          async () =>
            (
              await h.messages(HZ).list({
                direction: 'in',
                correlationId: s.body[s.kind.startsWith('case') ? 'leadNo' : 'complaintNo'] as string,
              })
            ).length > 0,
        );
      const res = await h.post(s.from, s.kind, { recipient: s.to, body: s.body });
      expect(res.status).toBe(202);
      expect(res.json).toMatchObject({ status: 'pending', recipient: s.to, zone: 'yrd', created: true });
      ids.push(res.json.messageId);
    }
    for (const [i, s] of sent.entries()) {
      const out = await eventually(`receipt for ${s.type}`, async () => {
        const m = await h.messages(s.from).find(ids[i]);
        return m?.status === 'accepted' ? m : undefined;
      });
      expect(out).toMatchObject({
        direction: 'out',
        type: s.type,
        receiptAt: expect.any(Date),
        signature: expect.stringMatching(/^[\w-]+\.\.[\w-]+$/),
      });
      const received = await h
        .messages(s.to)
        .list({ direction: 'in', correlationId: out.correlationId, type: s.type as never });
      expect(received.filter((r) => r.messageId === ids[i])).toHaveLength(1);
      const row = await h.messages(s.to).find(ids[i]);
      expect(row).toMatchObject({ direction: 'in', status: 'accepted', sender: s.from, signature: out.signature });
    }
    // Each gateway answered every message it received exactly once.
    const jdAnswered = (await receiptItems(h.messages(JD), 'out')).map((i) => i.messageId).sort();
    const hzAnswered = (await receiptItems(h.messages(HZ), 'out')).map((i) => i.messageId).sort();
    expect(jdAnswered).toEqual([ids[1], ids[2], ids[4]].sort());
    expect(hzAnswered).toEqual([ids[0], ids[3]].sort());
    expect(await h.quarantine(HZ).list()).toHaveLength(0);
  });

  it('keeps complainant personal data encrypted to the handling agency', async () => {
    const res = await h.post(JD, 'complaints', { recipient: HZ, body: sampleComplaint('TS-2026-0002', 1) });
    expect(res.status).toBe(202);
    const row = await eventually('complaint stored at 330100', () => h.messages(HZ).find(res.json.messageId));
    expect(row.body).not.toContain('13812341234');
    expect(row.body).not.toContain('王小明');
    expect(JSON.parse(row.body).complainant.split('.')).toHaveLength(5);
    const own = await h.messages(JD).find(res.json.messageId);
    expect(own?.body).not.toContain('13812341234');
  });

  it('treats a resubmission with the same messageId as the same message', async () => {
    const messageId = '5b7b1b9e-3a34-4a55-9a1f-0d7c8f6e2a11';
    const first = await h.post(JD, 'leads', { recipient: HZ, messageId, body: sampleLead('JD-2026-0099', 2) });
    const again = await h.post(JD, 'leads', { recipient: HZ, messageId, body: sampleLead('JD-2026-0099', 2) });
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.json).toMatchObject({ messageId, created: false });
    await eventually('accepted', async () => (await h.messages(JD).find(messageId))?.status === 'accepted');
    expect(await h.messages(HZ).list({ direction: 'in', correlationId: 'JD-2026-0099' })).toHaveLength(1);
  });
});
