import { sampleComplaint, sampleLead } from '@xietong/contracts';
import { ConsoleSessionStore } from '@xietong/gateway';
import { eventually, startFederation, type Harness, type TestDialect } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';
const NJ = '320100';

/**
 * A case is (kind, number, partner): two partners may use one number. Every console route and the
 * personal-data reader must act on the partner named, and refuse to guess when none is.
 */
describe.each<TestDialect>(['postgres', 'sqlite'])('a case number two partners both use, on %s', (dialect) => {
  let h: Harness;
  let cookie: string;

  const consoleCall = async (method: 'GET' | 'POST', path: string, form?: Record<string, string>) => {
    const store = h.gateway(HZ).app.get(ConsoleSessionStore);
    const session = store.touch(cookie.split('=')[1])!;
    const res = await fetch(`${h.gateway(HZ).url}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        cookie,
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': session.csrf } : {}),
      },
      body: form ? new URLSearchParams({ ...form, _csrf: session.csrf }).toString() : undefined,
    });
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  };

  beforeAll(async () => {
    h = await startFederation({
      members: [JD, HZ, NJ],
      dialect,
      // The console is on (its identity provider is never asked: the session is made in the store).
      env: { XIETONG_OIDC_ISSUER: 'http://127.0.0.1:9' },
    });
    const s = h
      .gateway(HZ)
      .app.get(ConsoleSessionStore)
      .create({ subject: 'hz-handler', name: 'hz-handler', roles: ['handler', 'submitter'], idToken: '' });
    cookie = `xietong_console_${HZ}=${s.id}`;
    // NJ first, JD last: JD's is the newest, and NJ sorts first.
    for (const from of [NJ, JD]) {
      const lead = await h.post(from, 'leads', { recipient: HZ, body: sampleLead('SAME-LEAD-1') });
      expect(lead.status).toBe(202);
      const c = sampleComplaint('SAME-COMPLAINT-1') as { complainant: Record<string, unknown> };
      const complaint = await h.post(from, 'complaints', {
        recipient: HZ,
        body: { ...c, complainant: { ...c.complainant, name: `投诉人${from}` } },
      });
      expect(complaint.status).toBe(202);
    }
    await eventually('both leads and complaints received', async () => {
      const rows = await h.messages(HZ).list({ direction: 'in', limit: 100 });
      return rows.filter((m) => m.type === 'LEAD' || m.type === 'COMPLAINT').length === 4;
    });
  });
  afterAll(() => h?.close());

  it('shows a choice between the partners, not one of them, when the case page names none', async () => {
    const res = await consoleCall('GET', '/console/cases/LEAD/SAME-LEAD-1');
    expect(res.status).toBe(200);
    expect(res.text).toContain('id="collision"');
    expect(res.text).toContain(`/console/cases/LEAD/SAME-LEAD-1?partner=${JD}`);
    expect(res.text).toContain(`/console/cases/LEAD/SAME-LEAD-1?partner=${NJ}`);
    expect(res.text).not.toContain('id="actions"');
  });

  it('flags the shared number in the inbox, each row linking to its own partner', async () => {
    const res = await consoleCall('GET', '/console/inbox?kind=LEAD');
    expect(res.status).toBe(200);
    for (const p of [JD, NJ]) {
      const row = new RegExp(`<tr[^>]*data-case="SAME-LEAD-1" data-partner="${p}"[\\s\\S]*?</tr>`).exec(res.text)?.[0];
      expect(row).toContain(`/console/cases/LEAD/SAME-LEAD-1?partner=${p}`);
      expect(row).toContain('编号重复');
    }
  });

  it("shows only that partner's case, history and form links when the page names the partner", async () => {
    const res = await consoleCall('GET', `/console/cases/LEAD/SAME-LEAD-1?partner=${JD}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`/console/cases/LEAD/SAME-LEAD-1/feedback?partner=${JD}`);
    const history = res.text.slice(res.text.indexOf('id="history"'));
    expect(history).not.toMatch(/江苏|南京|320100/);
  });

  it('sends the feedback to the partner the form names', async () => {
    const form = await consoleCall('GET', `/console/cases/LEAD/SAME-LEAD-1/feedback?partner=${JD}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`action="/console/cases/LEAD/SAME-LEAD-1/feedback?partner=${JD}"`);
    const posted = await consoleCall('POST', `/console/cases/LEAD/SAME-LEAD-1/feedback?partner=${JD}`, {
      status: 'VERIFYING',
    });
    expect(posted.status).toBe(303);
    expect(posted.location).toBe(`/console/cases/LEAD/SAME-LEAD-1?partner=${JD}&done=feedback`);
    const sent = await h.messages(HZ).list({ direction: 'out', type: 'CASE_RESULT', correlationId: 'SAME-LEAD-1' });
    expect(sent.map((m) => m.recipient)).toEqual([JD]);
  });

  it('refuses a form that names no partner while two share the number', async () => {
    const posted = await consoleCall('POST', '/console/cases/LEAD/SAME-LEAD-1/feedback', { status: 'VERIFYING' });
    expect(posted.status).toBe(409);
    expect(posted.text).toContain('CASE_AMBIGUOUS');
    const form = await consoleCall('GET', '/console/cases/LEAD/SAME-LEAD-1/feedback');
    expect(form.status).toBe(409);
  });

  it("reveals the complainant of the partner's complaint asked for, not the newest with that number", async () => {
    const nj = await consoleCall('POST', `/console/cases/COMPLAINT/SAME-COMPLAINT-1/complainant?partner=${NJ}`, {});
    expect(nj.status).toBeLessThan(300);
    expect(JSON.parse(nj.text).complainant.name).toBe(`投诉人${NJ}`);
    const jd = await consoleCall('POST', `/console/cases/COMPLAINT/SAME-COMPLAINT-1/complainant?partner=${JD}`, {});
    expect(JSON.parse(jd.text).complainant.name).toBe(`投诉人${JD}`);
    const none = await consoleCall('POST', '/console/cases/COMPLAINT/SAME-COMPLAINT-1/complainant', {});
    expect(none.status).toBe(409);
    expect(JSON.parse(none.text).error).toBe('CASE_AMBIGUOUS');
  });

  it('scopes the API complainant read by partner too', async () => {
    const nj = await h.get(HZ, `/api/v1/complaints/SAME-COMPLAINT-1/complainant?partner=${NJ}`, ['handler']);
    expect(nj.status).toBe(200);
    expect(nj.json).toMatchObject({ partner: NJ, complainant: { name: `投诉人${NJ}` } });
    const none = await h.get(HZ, '/api/v1/complaints/SAME-COMPLAINT-1/complainant', ['handler']);
    expect(none).toMatchObject({ status: 409, json: { error: 'CASE_AMBIGUOUS' } });
  });
});
