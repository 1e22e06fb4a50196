/// <reference lib="dom" />
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { sampleComplaint, sampleLead } from '@xietong/contracts';
import { Database, PersonalDataAccessRepository } from '@xietong/persistence';
import { shanghaiDate } from '@xietong/workflow';
import { eventually, RecordForge } from '@xietong/testing';
import { CJK_FONT, fontsOf, PASSWORD, startConsoleRig, type ConsoleRig } from './console-support';

const JD = '341825';
const HZ = '330100';
const JD_NAME = '旌德县市场监督管理局';
const HZ_NAME = '杭州市市场监督管理局';

/** Reloads until the selector shows up (the partner's gateway answers asynchronously). */
async function reloadUntil(page: Page, selector: string, what: string): Promise<void> {
  await eventually(
    what,
    async () => {
      await page.reload();
      return (await page.$(selector)) !== null;
    },
    60_000,
  );
}

const kpi = async (page: Page, id: string) => Number(await page.textContent(`[data-kpi="${id}"] .v`));

describe('协同 console: the closed loop between two gateways, in Chromium alone', () => {
  let rig: ConsoleRig;

  beforeAll(async () => {
    // No periodic deadline check: its 督办 reminder for the late lead, sent whenever the minute's tick
    // fell, counted in the auditor's "sent" KPI between two readings on a slow run.
    rig = await startConsoleRig(
      { members: [JD, HZ], dialect: 'sqlite' },
      { XIETONG_SCHEDULER_INTERVAL_MS: '86400000' },
    );
    const { h } = rig;
    // A lead 杭州 is late on, a complaint for the personal-data checks, and a quarantined record.
    const late = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('JD-LATE-1') });
    await h.post(JD, 'complaints', { recipient: HZ, body: sampleComplaint('JD-CMP-1') });
    await eventually(
      'lead received',
      async () => (await h.messages(JD).find(late.json.messageId))?.status === 'accepted',
    );
    await eventually('complaint received', async () => (await h.messages(HZ).list({ type: 'COMPLAINT' })).length > 0);
    await h
      .gateway(JD)
      .app.get(Database)
      .dataSource.query(`UPDATE case_file SET due_on = '2026-01-05' WHERE case_no = 'JD-LATE-1'`);
    const forge = new RecordForge(h);
    await forge.send(JD, [{ value: Buffer.from('not a record') }]);
    await forge.close();
    await eventually('quarantined at 341825', async () => (await h.quarantine(JD).list()).length > 0);
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('transfers a lead, records feedback and the disposal result, and the auditor sees it all', async () => {
    const auditor = await rig.signIn(JD, 'auditor');
    expect(new URL(auditor.page.url()).pathname).toBe('/console/auditor');
    const sentBefore = await kpi(auditor.page, 'sent');
    const receivedBefore = await kpi(auditor.page, 'received');

    // 旌德 transfers a lead: first with a field missing (the error names it in Chinese), then whole.
    const jd = await rig.signIn(JD, 'staff');
    await jd.page.goto(rig.url(JD, '/console/leads/new'));
    const lead = sampleLead('JD-WEB-1', 0) as any;
    await jd.page.fill('#f-leadNo', 'JD-WEB-1');
    await jd.page.selectOption('#f-recipient', HZ);
    await jd.page.selectOption('#f-source', 'ONLINE_MONITORING');
    await jd.page.selectOption('#f-riskTier', 'KEY');
    await jd.page.fill('#f-operatorName', lead.subject.operatorName);
    await jd.page.fill('#f-registeredAddress', lead.subject.registeredAddress.address);
    await jd.page.fill('#f-registeredDivision', lead.subject.registeredAddress.divisionCode);
    await jd.page.selectOption('#f-category', 'ADVERTISING');
    await jd.page.selectOption('#f-jurisdictionBasis', 'ACTUAL_PLACE_OF_BUSINESS');
    await jd.page.fill('#f-actualAddress', lead.subject.actualAddress.address);
    await jd.page.fill('#f-actualDivision', lead.subject.actualAddress.divisionCode);
    await jd.page.fill('#f-facts', lead.allegation.facts);
    await jd.page.click('#submit');
    expect(await jd.page.textContent('#form-error')).toBe('店铺名称：必填，请填写');
    expect(await jd.page.getAttribute('label.invalid input', 'name')).toBe('storeName');
    await rig.shot(jd.page, 'lead-form-error');
    await jd.page.fill('#f-storeName', lead.subject.storeName);
    await jd.page.click('#submit');
    await jd.page.waitForSelector('#notice');
    expect(new URL(jd.page.url()).pathname).toBe('/console/cases/LEAD/JD-WEB-1');
    await rig.shot(jd.page, 'lead-transferred');

    // 杭州 sees it arrive in the inbox, with its countdown, and feeds back.
    const hz = await rig.signIn(HZ, 'handler');
    await hz.page.goto(rig.url(HZ, '/console/inbox'));
    await reloadUntil(hz.page, 'tr[data-case="JD-WEB-1"]', 'the lead in 杭州 inbox');
    expect(await hz.page.textContent('tr[data-case="JD-WEB-1"]')).toContain(JD_NAME);
    expect(await hz.page.textContent('tr[data-case="JD-WEB-1"] .countdown')).toMatch(/剩余 \d+ 个工作日/);
    await rig.shot(hz.page, 'inbox');
    await hz.page.click('tr[data-case="JD-WEB-1"] a');
    await hz.page.click('#form-feedback');
    await hz.page.selectOption('#f-status', 'CASE_OPENED');
    await hz.page.fill('#f-caseNo', '杭市监立〔2026〕88号');
    await hz.page.fill('#f-openedAt', shanghaiDate(new Date()));
    await hz.page.fill('#f-note', '经核查，线索基本属实，已立案调查。');
    await rig.shot(hz.page, 'feedback-form');
    await hz.page.click('#submit');
    await hz.page.waitForSelector('#notice');
    expect(await hz.page.textContent('#case-state .state')).toBe('已立案');

    // Then the disposal result; a bad amount is refused first, naming the field.
    await hz.page.click('#form-disposal');
    await hz.page.fill('#f-decisionNo', '杭市监处罚〔2026〕12号');
    await hz.page.fill('#f-decisionDate', shanghaiDate(new Date()));
    await hz.page.selectOption('#f-penalties', ['WARNING', 'FINE']);
    await hz.page.fill('#f-fine', '五千');
    await hz.page.selectOption('#f-publicity', 'PENDING');
    await hz.page.fill('#f-closedAt', `${shanghaiDate(new Date())}T10:00`);
    await hz.page.click('#submit');
    expect(await hz.page.textContent('#form-error')).toContain('罚款金额');
    await hz.page.fill('#f-fine', '5000.00');
    await rig.shot(hz.page, 'disposal-form');
    await hz.page.click('#submit');
    await hz.page.waitForSelector('#notice');
    expect(await hz.page.textContent('#case-state .state')).toBe('已办结');
    await rig.shot(hz.page, 'case-closed-hangzhou');

    // 旌德 sees the case closed, with the whole history.
    await jd.page.goto(rig.url(JD, '/console/transferred?state=CLOSED'));
    await reloadUntil(jd.page, 'tr[data-case="JD-WEB-1"]', 'the lead closed at 旌德');
    expect(await jd.page.textContent('tr[data-case="JD-WEB-1"] .state')).toBe('已办结');
    await rig.shot(jd.page, 'transferred');
    await jd.page.click('tr[data-case="JD-WEB-1"] a');
    const history = await jd.page.$$eval('#history tbody tr', (rows) => rows.map((r) => r.getAttribute('data-type')));
    expect(history.filter((t) => t === 'CASE_RESULT')).toHaveLength(2);
    expect(history).toContain('LEAD');
    await rig.shot(jd.page, 'case-history');

    // The auditor sees the flow, the KPI change and the overdue case.
    await auditor.page.reload();
    await auditor.page.waitForSelector('#flow-graph[data-rendered="true"] svg');
    expect(await kpi(auditor.page, 'sent')).toBe(sentBefore + 1);
    expect(await kpi(auditor.page, 'received')).toBe(receivedBefore + 2);
    expect(await auditor.page.textContent(`#flows tr[data-partner="${HZ}"]`)).toContain(HZ_NAME);
    expect(await auditor.page.$$eval('#flow-graph svg text', (t) => t.map((x) => x.textContent).join(' '))).toContain(
      HZ_NAME,
    );
    expect(await auditor.page.$$eval('#timeline svg path', (p) => p.length)).toBeGreaterThan(0);
    const fonts = await fontsOf(auditor.page, '#agency');
    expect(fonts.check).toBe(true);
    expect(fonts.platform.join(', ')).toMatch(CJK_FONT);
    await rig.shot(auditor.page, 'auditor-overview');
    await auditor.page.goto(rig.url(JD, '/console/auditor/overdue'));
    const overdue = await auditor.page.textContent('#overdue tr[data-case="JD-LATE-1"]');
    expect(overdue).toContain(`${HZ_NAME}（对方）`);
    expect(await auditor.page.textContent(`#overdue-partners tr[data-partner="${HZ}"]`)).toContain(HZ_NAME);
    await rig.shot(auditor.page, 'auditor-overdue');
    for (const c of [auditor.context, jd.context, hz.context]) await c.close();
  });

  it('shows the quarantine with detail and replay state, paged messages and the monthly report downloads', async () => {
    const { page, context } = await rig.signIn(JD, 'auditor');
    await page.goto(rig.url(JD, '/console/auditor/quarantine'));
    const row = await page.textContent('#quarantine tbody tr');
    expect(row).toContain('MALFORMED');
    expect(row).toContain('未重放');
    await rig.shot(page, 'auditor-quarantine');
    await page.click('#quarantine tbody tr a');
    expect(await page.textContent('#quarantine-detail')).toContain('重放状态');
    await rig.shot(page, 'auditor-quarantine-detail');
    await page.goto(rig.url(JD, '/console/auditor/messages?type=LEAD'));
    expect(await page.$$eval('#messages tbody tr', (r) => r.length)).toBeGreaterThan(0);
    await rig.shot(page, 'auditor-messages');
    const month = shanghaiDate(new Date()).slice(0, 7);
    await page.goto(rig.url(JD, `/console/auditor/report?month=${month}`));
    expect(await page.textContent('#report')).toContain(HZ_NAME);
    await rig.shot(page, 'auditor-report');
    const csv = await page.request.get(rig.url(JD, `/console/auditor/report.csv?month=${month}`));
    const bytes = await csv.body();
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toBe('对方机构,机构代码,报文类型,发出,收到,对方接收,对方拒收,逾期,平均反馈工作日');
    expect(lines.some((l) => l.startsWith(`${HZ_NAME},${HZ},问题线索,`))).toBe(true);
    const xlsx = await page.request.get(rig.url(JD, `/console/auditor/report.xlsx?month=${month}`));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await xlsx.body()) as any);
    const sheet = wb.worksheets[0];
    expect(sheet.getRow(1).getCell(1).value).toBe('对方机构');
    expect(sheet.getColumn(1).values).toContain(HZ_NAME);
    await context.close();
  });

  it('reveals the complainant to a handler on click only, recording it; a submitter cannot', async () => {
    const access = rig.h.gateway(HZ).app.get(PersonalDataAccessRepository);
    const submitter = await rig.signIn(HZ, 'submitter');
    await submitter.page.goto(rig.url(HZ, '/console/cases/COMPLAINT/JD-CMP-1'));
    expect(await submitter.page.textContent('#complainant [data-field="phone"]')).toBe('138****1234');
    expect(await submitter.page.$('#reveal')).toBeNull();
    expect(await submitter.page.textContent('#reveal-denied')).toContain('承办人');
    const refused = await submitter.page.evaluate(async () => {
      const token = document.querySelector('meta[name=csrf-token]')!.getAttribute('content')!;
      const r = await fetch('/console/cases/COMPLAINT/JD-CMP-1/complainant', {
        method: 'POST',
        headers: { 'x-csrf-token': token },
      });
      return r.status;
    });
    expect(refused).toBe(403);
    expect(await access.forCase('JD-CMP-1')).toHaveLength(0);

    const handler = await rig.signIn(HZ, 'handler');
    await handler.page.goto(rig.url(HZ, '/console/cases/COMPLAINT/JD-CMP-1'));
    expect(await handler.page.textContent('#complainant [data-field="name"]')).toBe('王**');
    expect(await access.forCase('JD-CMP-1')).toHaveLength(0);
    await handler.page.click('#reveal');
    await handler.page.waitForFunction(
      () => document.querySelector('#complainant [data-field="phone"]')?.textContent === '13812341234',
    );
    expect(await access.forCase('JD-CMP-1')).toEqual([
      expect.objectContaining({ subject: 'handler', caseNo: 'JD-CMP-1' }),
    ]);
    await rig.shot(handler.page, 'complaint-revealed');
    // The handler accepts the complaint, then starts mediation.
    await handler.page.click('#form-acceptance');
    await handler.page.selectOption('#f-status', 'ACCEPTED');
    await handler.page.fill('#f-note', '已受理，进入调解程序。');
    await handler.page.click('#submit');
    await handler.page.waitForSelector('#notice');
    expect(await handler.page.textContent('#case-state .state')).toBe('已受理');
    await handler.page.click('#form-mediation');
    await handler.page.selectOption('#f-status', 'MEDIATING');
    await rig.shot(handler.page, 'mediation-form');
    await handler.page.click('#submit');
    await handler.page.waitForSelector('#notice');
    expect(await handler.page.textContent('#case-state .state')).toBe('调解中');
    // A POST without the session's CSRF token is refused.
    const forged = await handler.page.evaluate(async () => {
      const r = await fetch('/console/cases/COMPLAINT/JD-CMP-1/complainant', { method: 'POST' });
      return r.status;
    });
    expect(forged).toBe(403);
    await handler.context.close();
    await submitter.context.close();
  });

  it('refuses forms to an auditor, and logs out', async () => {
    const { page, context } = await rig.signIn(JD, 'auditor');
    const res = await page.goto(rig.url(JD, '/console/leads/new'));
    expect(res!.status()).toBe(403);
    expect(await page.textContent('#error')).toContain('报送员');
    const posted = await page.evaluate(async () => {
      const r = await fetch('/console/leads/new', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'leadNo=X-1',
      });
      return r.status;
    });
    expect(posted).toBe(403);
    await rig.shot(page, 'auditor-refused');
    // The English switch: the frame and the codes' labels change, the session stays.
    await page.goto(rig.url(JD, '/console/auditor/overdue'));
    await page.click('#lang');
    expect(await page.textContent('nav')).toContain('Overdue');
    expect(await page.textContent('#lang')).toBe('中文');
    await rig.shot(page, 'auditor-overdue-en');
    await page.click('#lang');
    expect(await page.textContent('nav')).toContain('逾期督办');
    await page.goto(rig.url(JD, '/console/auditor'));
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === `xietong_console_${JD}`)!;
    expect(session).toEqual(expect.objectContaining({ httpOnly: true, sameSite: 'Lax' }));
    await page.click('#logout');
    await page.waitForSelector('#signed-out');
    await page.goto(rig.url(JD, '/console/auditor'));
    await page.waitForSelector('#username');
    await context.close();
    expect(rig.cspViolations).toEqual([]);
  });

  it('finishes a sign-in only in the browser that began it (a callback link carried elsewhere signs no one in)', async () => {
    const victim = await rig.browser.newContext();
    const attacker = await rig.browser.newContext();
    try {
      // The attacker signs in at the provider, but keeps the callback (code and state) instead of
      // following it (DevTools' Fetch domain: Playwright's routes do not see a redirect's target).
      const page = await attacker.newPage();
      const cdp = await attacker.newCDPSession(page);
      let callback = '';
      cdp.on('Fetch.requestPaused', (e: { requestId: string; request: { url: string } }) => {
        callback = e.request.url;
        void cdp.send('Fetch.failRequest', { requestId: e.requestId, errorReason: 'Aborted' });
      });
      await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*/console/callback?*' }] });
      await page.goto(rig.url(JD, '/console'));
      await page.fill('#username', 'handler');
      await page.fill('#password', PASSWORD);
      await page.click('#sign-in').catch(() => undefined);
      await eventually('the callback URL', async () => callback);
      await cdp.send('Fetch.disable');
      // Opened in another browser (a link sent to a victim): refused, no session there.
      const lured = await victim.newPage();
      const res = await lured.goto(callback);
      expect(res!.status()).toBe(400);
      expect(await lured.textContent('h1')).toContain('登录已失效');
      expect((await victim.cookies()).map((c) => c.name)).not.toContain(`xietong_console_${JD}`);
      // The browser that began it finishes it with the same URL.
      await page.goto(callback);
      await page.waitForURL((u) => u.pathname === '/console/inbox');
      const login = (await attacker.cookies()).find((c) => c.name === `xietong_login_${JD}`);
      expect(login).toBeUndefined();
    } finally {
      await victim.close();
      await attacker.close();
    }
  });
});
