import { sampleComplaint, sampleLead } from '@xietong/contracts';
import { CaseRepository } from '@xietong/persistence';
import { eventually, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';
const NJ = '320100';

const leadAbout = (leadNo: string, basis: string, seat: string, actual?: string) => {
  const l = sampleLead(leadNo) as { subject: Record<string, unknown> } & Record<string, unknown>;
  return {
    ...l,
    jurisdictionBasis: basis,
    subject: {
      ...l.subject,
      registeredAddress: { address: 'x', divisionCode: seat },
      actualAddress: actual ? { address: 'y', divisionCode: actual } : null,
    },
  };
};

describe('jurisdiction routing of submissions without a recipient', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ, NJ], dialect: 'sqlite' });
  });
  afterAll(() => h?.close());

  it('transfers a lead about a Hangzhou district to 杭州 and it arrives there', async () => {
    const res = await h.post(JD, 'leads', { body: leadAbout('JD-R-1', 'SEAT', '330106') });
    expect(res).toMatchObject({ status: 202, json: { recipient: HZ } });
    await eventually('delivered to 330100', () => h.messages(HZ).find(res.json.messageId));
  });

  it('uses the actual place of business of a platform seller', async () => {
    const res = await h.post(JD, 'leads', {
      body: leadAbout('JD-R-2', 'ACTUAL_PLACE_OF_BUSINESS', '330106', '320102'),
    });
    expect(res.json.recipient).toBe(NJ);
  });

  it('sends a complaint to the agency of the respondent', async () => {
    const c = sampleComplaint('JDTS-R-1') as { respondent: Record<string, unknown> } & Record<string, unknown>;
    const res = await h.post(JD, 'complaints', {
      body: { ...c, respondent: { ...c.respondent, divisionCode: '320105' } },
    });
    expect(res).toMatchObject({ status: 202, json: { recipient: NJ } });
  });

  it('refuses with an explanation when no member has jurisdiction, and writes nothing', async () => {
    const res = await h.post(JD, 'leads', { body: leadAbout('JD-R-3', 'SEAT', '110105') });
    expect(res).toMatchObject({
      status: 422,
      json: { error: 'NO_JURISDICTION', message: expect.stringContaining('no member agency covers division 110105') },
    });
    expect(await h.messages(JD).list({ correlationId: 'JD-R-3' })).toHaveLength(0);
  });

  it('requires the designated recipient and the reason for 指定管辖, and carries the reason to the partner', async () => {
    expect((await h.post(JD, 'leads', { body: leadAbout('JD-R-4', 'DESIGNATED', '330106') })).json).toMatchObject({
      error: 'VALIDATION_FAILED',
      field: 'recipient',
    });
    expect(
      (await h.post(JD, 'leads', { recipient: NJ, body: leadAbout('JD-R-4', 'DESIGNATED', '330106') })).json,
    ).toMatchObject({ field: 'body.designationReason' });
    const ok = await h.post(JD, 'leads', {
      recipient: NJ,
      body: { ...leadAbout('JD-R-4', 'DESIGNATED', '330106'), designationReason: '市局指定南京管辖' },
    });
    expect(ok).toMatchObject({ status: 202, json: { recipient: NJ } });
    const got = await eventually('designated lead at 320100', () => h.messages(NJ).find(ok.json.messageId));
    expect(JSON.parse(got.body)).toMatchObject({
      jurisdictionBasis: 'DESIGNATED',
      designationReason: '市局指定南京管辖',
    });
  });

  it('flags a credit code that fails its checksum for review on both sides, without refusing the lead', async () => {
    const l = leadAbout('JD-R-5', 'SEAT', '330106') as { subject: Record<string, unknown> } & Record<string, unknown>;
    const res = await h.post(JD, 'leads', {
      body: { ...l, subject: { ...l.subject, operatorUscc: '91310000MA1FL0XX7M' } },
    });
    expect(res).toMatchObject({
      status: 202,
      json: { warnings: [expect.objectContaining({ field: 'body.subject.operatorUscc', code: 'USCC_CHECKSUM' })] },
    });
    const flags = async (id: string) => (await h.gateway(id).app.get(CaseRepository).find('LEAD', 'JD-R-5'))[0]?.flags;
    expect(JSON.parse((await flags(JD))!)).toEqual([expect.objectContaining({ code: 'USCC_CHECKSUM' })]);
    expect(JSON.parse(await eventually('case at 330100', () => flags(HZ)))).toEqual([
      expect.objectContaining({ code: 'USCC_CHECKSUM' }),
    ]);
  });

  it('still requires a recipient for case results', async () => {
    expect(
      (
        await h.post(HZ, 'case-results', {
          body: { leadNo: 'JD-R-1', stage: 'VERIFICATION_FEEDBACK', feedback: { status: 'VERIFYING' } },
        })
      ).json,
    ).toMatchObject({ field: 'recipient' });
  });
});
