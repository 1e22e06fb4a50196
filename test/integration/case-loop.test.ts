import { sampleComplaint, sampleComplaintResult, sampleDisposal, sampleFeedback, sampleLead } from '@xietong/contracts';
import { DeadlineSupervisor } from '@xietong/exchange';
import { CaseRepository } from '@xietong/persistence';
import { eventually, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

describe('closed loop of a lead and a complaint between two gateways', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'postgres' });
  });
  afterAll(() => h?.close());

  const cases = (id: string) => h.gateway(id).app.get(CaseRepository);
  const caseAt = async (id: string, kind: 'LEAD' | 'COMPLAINT', no: string) => (await cases(id).find(kind, no))[0];
  /** Both gateways show the case in `state`, with the same due date. */
  const bothIn = (kind: 'LEAD' | 'COMPLAINT', no: string, state: string) =>
    eventually(`${no} ${state} on both sides`, async () => {
      const [a, b] = [await caseAt(JD, kind, no), await caseAt(HZ, kind, no)];
      return a?.state === state && b?.state === state && a.dueOn === b.dueOn
        ? { transferor: a, handler: b }
        : undefined;
    });

  it('runs a lead from transfer to a closed case, both sides agreeing on state and due dates', async () => {
    const lead = { ...sampleLead('JD-LOOP-1'), jurisdictionBasis: 'SEAT' } as Record<string, unknown>;
    const sent = await h.post(JD, 'leads', { body: lead });
    expect(sent).toMatchObject({ status: 202, json: { recipient: HZ } });
    const received = await bothIn('LEAD', 'JD-LOOP-1', 'RECEIVED');
    expect(received.transferor).toMatchObject({ role: 'transferor', clock: 'lead-feedback', riskTier: 'KEY' });
    expect(received.handler).toMatchObject({
      role: 'handler',
      clock: 'lead-feedback',
      dueOn: received.transferor.dueOn,
    });

    expect(
      (
        await h.post(HZ, 'case-results', {
          recipient: JD,
          body: { leadNo: 'JD-LOOP-1', stage: 'VERIFICATION_FEEDBACK', feedback: { status: 'VERIFYING' } },
        })
      ).status,
    ).toBe(202);
    expect((await bothIn('LEAD', 'JD-LOOP-1', 'VERIFYING')).handler.clock).toBe('lead-verification');

    expect(
      (await h.post(HZ, 'case-results', { recipient: JD, body: sampleFeedback('JD-LOOP-1', '杭市监立〔2026〕7号') }))
        .status,
    ).toBe(202);
    const opened = await bothIn('LEAD', 'JD-LOOP-1', 'CASE_OPENED');
    expect(opened.transferor).toMatchObject({ clock: 'case-decision', dueOn: '2027-02-22' });

    const before = (await h.messages(HZ).list({ correlationId: 'JD-LOOP-1' })).length;
    const illegal = await h.post(HZ, 'case-results', {
      recipient: JD,
      body: {
        leadNo: 'JD-LOOP-1',
        stage: 'VERIFICATION_FEEDBACK',
        feedback: { status: 'NOT_OPENED', notOpenedGround: '第二十条' },
      },
    });
    expect(illegal).toMatchObject({
      status: 409,
      json: {
        error: 'ILLEGAL_TRANSITION',
        message: expect.stringContaining('is CASE_OPENED; it cannot become NOT_OPENED'),
      },
    });
    expect((await h.messages(HZ).list({ correlationId: 'JD-LOOP-1' })).length).toBe(before);
    expect((await caseAt(HZ, 'LEAD', 'JD-LOOP-1')).state).toBe('CASE_OPENED');

    expect(
      (await h.post(HZ, 'case-results', { recipient: JD, body: sampleDisposal('JD-LOOP-1', '杭市监处罚〔2026〕7号') }))
        .status,
    ).toBe(202);
    const closed = await bothIn('LEAD', 'JD-LOOP-1', 'CLOSED');
    expect(closed.transferor).toMatchObject({ clock: null, dueOn: null });

    const view = (await h.get(JD, '/api/v1/cases/LEAD/JD-LOOP-1')).json as {
      cases: { state: string }[];
      history: { type: string }[];
    };
    expect(view.cases[0].state).toBe('CLOSED');
    expect(view.history.map((m) => m.type)).toEqual(['LEAD', 'CASE_RESULT', 'CASE_RESULT', 'CASE_RESULT']);
  });

  it('refuses a result about a lead that was never transferred', async () => {
    const res = await h.post(HZ, 'case-results', { recipient: JD, body: sampleFeedback('NEVER-SENT', 'x') });
    expect(res).toMatchObject({ status: 422, json: { error: 'UNKNOWN_CASE' } });
  });

  it('runs a complaint through mediation to closed on both sides', async () => {
    expect((await h.post(JD, 'complaints', { recipient: HZ, body: sampleComplaint('JDTS-LOOP-1') })).status).toBe(202);
    const forwarded = await bothIn('COMPLAINT', 'JDTS-LOOP-1', 'FORWARDED');
    expect(forwarded.handler.clock).toBe('complaint-acceptance');
    for (const status of ['ACCEPTED', 'MEDIATING', 'SETTLED', 'CLOSED']) {
      expect(
        (
          await h.post(HZ, 'complaint-results', {
            recipient: JD,
            body: { ...sampleComplaintResult('JDTS-LOOP-1'), status },
          })
        ).status,
      ).toBe(202);
      await bothIn('COMPLAINT', 'JDTS-LOOP-1', status);
    }
    const withdrawn = await h.post(HZ, 'complaint-results', {
      recipient: JD,
      body: { ...sampleComplaintResult('JDTS-LOOP-1'), status: 'WITHDRAWN' },
    });
    expect(withdrawn).toMatchObject({ status: 409, json: { error: 'ILLEGAL_TRANSITION' } });
  });

  it('sends a late partner a supervision reminder, no more often than configured', async () => {
    expect((await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('JD-LATE-1') })).status).toBe(202);
    const { transferor } = await bothIn('LEAD', 'JD-LATE-1', 'RECEIVED');
    const supervisor = h.gateway(JD).app.get(DeadlineSupervisor);
    const later = new Date(Date.parse(`${transferor.dueOn}T12:00:00+08:00`) + 3 * 86_400_000);
    expect(
      (await supervisor.remindOverdue(new Date(Date.parse(`${transferor.dueOn}T12:00:00+08:00`)))).map((c) => c.caseNo),
    ).not.toContain('JD-LATE-1');
    expect((await supervisor.remindOverdue(later)).map((c) => c.caseNo)).toContain('JD-LATE-1');
    expect((await supervisor.remindOverdue(new Date(later.getTime() + 3_600_000))).map((c) => c.caseNo)).not.toContain(
      'JD-LATE-1',
    );
    const reminder = await eventually(
      'reminder at 330100',
      async () =>
        (await h.messages(HZ).list({ direction: 'in', type: 'REMINDER' as never, correlationId: 'JD-LATE-1' }))[0],
    );
    expect(JSON.parse(reminder.body)).toMatchObject({
      caseNo: 'JD-LATE-1',
      kind: 'LEAD',
      clock: 'lead-feedback',
      dueDate: transferor.dueOn,
      sequence: 1,
    });
    expect((await caseAt(JD, 'LEAD', 'JD-LATE-1')).reminders).toBe(1);
    const overdue = await cases(JD).list({ role: 'transferor', overdueOn: later.toISOString().slice(0, 10) });
    expect(overdue.map((c) => c.caseNo)).toContain('JD-LATE-1');
  });
});
