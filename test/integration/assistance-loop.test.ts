import { sampleAssistanceReply, sampleAssistanceRequest } from '@xietong/contracts';
import { DeadlineSupervisor } from '@xietong/exchange';
import { CaseRepository } from '@xietong/persistence';
import { shanghaiDate, TimeLimits, WorkingDayCalendar } from '@xietong/workflow';
import { eventually, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

/** 协查 between two gateways on a real broker: request, extension, reply, overdue reminder. */
describe('closed loop of an assistance request (协查)', () => {
  let h: Harness;
  const limits = TimeLimits.load(WorkingDayCalendar.load());
  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'postgres' });
  });
  afterAll(() => h?.close());

  const caseAt = async (id: string, no: string) =>
    (await h.gateway(id).app.get(CaseRepository).find('ASSISTANCE', no))[0];
  /** Both gateways show the request in `state`, with the same due date. */
  const bothIn = (no: string, state: string) =>
    eventually(`${no} ${state} on both sides`, async () => {
      const [a, b] = [await caseAt(JD, no), await caseAt(HZ, no)];
      return a?.state === state && b?.state === state && a.dueOn === b.dueOn
        ? { requester: a, assistant: b }
        : undefined;
    });
  const request = (no: string) => sampleAssistanceRequest(no, 'JD-LEAD-2026-0042', '2026-12-31');

  it('routes a request to the agency of the subject, which completes it after an extension', async () => {
    // Without recipient: routed by the subject's division code (330106 lies in 杭州).
    const sent = await h.post(JD, 'assistance-requests', { body: request('JDXC-LOOP-1') });
    expect(sent).toMatchObject({ status: 202, json: { recipient: HZ } });
    const received = await bothIn('JDXC-LOOP-1', 'RECEIVED');
    const due = limits.due('assistance', received.assistant.receivedOn!).due;
    expect(received.requester).toMatchObject({ role: 'transferor', clock: 'assistance', dueOn: due });
    expect(received.assistant).toMatchObject({ role: 'handler', clock: 'assistance', dueOn: due });

    const partialWithoutReason = await h.post(HZ, 'assistance-replies', {
      recipient: JD,
      body: { ...sampleAssistanceReply('JDXC-LOOP-1'), outcome: 'PARTIAL' },
    });
    expect(partialWithoutReason).toMatchObject({
      status: 400,
      json: { error: 'VALIDATION_FAILED', field: 'body.reason' },
    });
    const badDigest = await h.post(HZ, 'assistance-replies', {
      recipient: JD,
      body: {
        ...sampleAssistanceReply('JDXC-LOOP-1'),
        evidence: [{ evidenceId: 'E1', description: 'x', uri: null, digest: 'md5:abc', mediaType: null }],
      },
    });
    expect(badDigest).toMatchObject({ status: 400, json: { field: 'body.evidence.digest' } });

    const notLater = await h.post(HZ, 'assistance-replies', {
      recipient: JD,
      body: {
        ...sampleAssistanceReply('JDXC-LOOP-1'),
        outcome: 'EXTENSION_REQUESTED',
        reason: '需调取平台数据',
        newDueDate: due,
      },
    });
    expect(notLater).toMatchObject({ status: 409, json: { error: 'ILLEGAL_TRANSITION' } });

    const newDue = limits.due('assistance', due).due;
    const extension = await h.post(HZ, 'assistance-replies', {
      recipient: JD,
      body: {
        ...sampleAssistanceReply('JDXC-LOOP-1'),
        outcome: 'EXTENSION_REQUESTED',
        reason: '需调取平台数据',
        newDueDate: newDue,
        findings: [],
        evidence: [],
      },
    });
    expect(extension.status).toBe(202);
    const extended = await bothIn('JDXC-LOOP-1', 'EXTENDED');
    expect(extended.requester).toMatchObject({ clock: 'assistance', dueOn: newDue });

    expect(
      (await h.post(HZ, 'assistance-replies', { recipient: JD, body: sampleAssistanceReply('JDXC-LOOP-1') })).status,
    ).toBe(202);
    const done = await bothIn('JDXC-LOOP-1', 'COMPLETED');
    expect(done.requester).toMatchObject({ clock: null, dueOn: null });

    const again = await h.post(HZ, 'assistance-replies', {
      recipient: JD,
      body: sampleAssistanceReply('JDXC-LOOP-1'),
    });
    expect(again).toMatchObject({ status: 409, json: { error: 'ILLEGAL_TRANSITION' } });

    const view = (await h.get(JD, '/api/v1/cases/ASSISTANCE/JDXC-LOOP-1')).json as {
      cases: { state: string }[];
      history: { type: string }[];
    };
    expect(view.cases[0].state).toBe('COMPLETED');
    expect(view.history.map((m) => m.type)).toEqual(['ASSISTANCE_REQUEST', 'ASSISTANCE_REPLY', 'ASSISTANCE_REPLY']);
    const reply = (await h.messages(JD).list({ direction: 'in', type: 'ASSISTANCE_REPLY' as never }))[0];
    expect(JSON.parse(reply.body)).toMatchObject({
      outcome: 'COMPLETED',
      evidence: [
        expect.objectContaining({ digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }),
        expect.anything(),
      ],
    });
  });

  it('refuses a reply to a request never made, and a reply from the requesting side', async () => {
    const unknown = await h.post(HZ, 'assistance-replies', { recipient: JD, body: sampleAssistanceReply('NEVER') });
    expect(unknown).toMatchObject({ status: 422, json: { error: 'UNKNOWN_CASE' } });
    const fromRequester = await h.post(JD, 'assistance-replies', {
      recipient: HZ,
      body: sampleAssistanceReply('JDXC-LOOP-1'),
    });
    expect(fromRequester).toMatchObject({
      status: 409,
      json: {
        error: 'ILLEGAL_TRANSITION',
        message: expect.stringContaining('must come from the agency that handles it'),
      },
    });
  });

  it('sends 督办 for an overdue request, with a reminder body whose kind is ASSISTANCE', async () => {
    expect((await h.post(JD, 'assistance-requests', { recipient: HZ, body: request('JDXC-LATE-1') })).status).toBe(202);
    const { requester } = await bothIn('JDXC-LATE-1', 'RECEIVED');
    const supervisor = h.gateway(JD).app.get(DeadlineSupervisor);
    const onDue = new Date(Date.parse(`${requester.dueOn}T12:00:00+08:00`));
    expect((await supervisor.remindOverdue(onDue)).map((c) => c.caseNo)).not.toContain('JDXC-LATE-1');
    const later = new Date(onDue.getTime() + 3 * 86_400_000);
    expect((await supervisor.remindOverdue(later)).map((c) => c.caseNo)).toContain('JDXC-LATE-1');
    const reminder = await eventually(
      'reminder at 330100',
      async () =>
        (await h.messages(HZ).list({ direction: 'in', type: 'REMINDER' as never, correlationId: 'JDXC-LATE-1' }))[0],
    );
    expect(reminder.status).toBe('accepted');
    expect(JSON.parse(reminder.body)).toMatchObject({
      caseNo: 'JDXC-LATE-1',
      kind: 'ASSISTANCE',
      clock: 'assistance',
      dueDate: requester.dueOn,
      sequence: 1,
    });
    expect((await caseAt(JD, 'JDXC-LATE-1')).reminders).toBe(1);
  });

  it('lists requests in the cases API, the monthly report and the metrics', async () => {
    const list = (await h.get(JD, '/api/v1/cases?kind=ASSISTANCE')).json as { items: { caseNo: string }[] };
    expect(list.items.map((c) => c.caseNo).sort()).toEqual(['JDXC-LATE-1', 'JDXC-LOOP-1']);
    expect((await h.get(JD, '/api/v1/cases?kind=OTHER')).status).toBe(400);

    const month = shanghaiDate(new Date()).slice(0, 7);
    const report = (await h.get(JD, `/api/v1/reports/monthly?month=${month}`, ['auditor'])).json as {
      rows: { partner: string; type: string; sent: number; received: number }[];
    };
    expect(report.rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ partner: HZ, type: 'ASSISTANCE_REQUEST', sent: 2, received: 0 }),
        expect.objectContaining({ partner: HZ, type: 'ASSISTANCE_REPLY', sent: 0, received: 2 }),
        expect.objectContaining({ partner: HZ, type: 'REMINDER', sent: 1 }),
      ]),
    );
    const metrics = await fetch(`${h.gateway(JD).url}/metrics`, {
      headers: { authorization: `Bearer ${await h.token(JD, ['auditor'])}` },
    });
    const text = await metrics.text();
    expect(text).toMatch(/xietong_cases_overdue\{kind="ASSISTANCE",agency="341825"\} 0/);
    expect(text).toMatch(
      /xietong_messages\{direction="out",type="ASSISTANCE_REQUEST",status="accepted",agency="341825"\} 2/,
    );

    const openapi = (await h.get(JD, '/docs-json')).json as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/api/v1/assistance-requests', '/api/v1/assistance-replies']),
    );
  });
});
