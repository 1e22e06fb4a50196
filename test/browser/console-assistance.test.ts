/// <reference lib="dom" />
import { sampleAssistanceRequest } from '@xietong/contracts';
import { CaseRepository } from '@xietong/persistence';
import { eventually } from '@xietong/testing';
import { startConsoleRig, type ConsoleRig } from './console-support';

const JD = '341825';
const HZ = '330100';
const JD_NAME = '旌德县市场监督管理局';

/**
 * 协查 in the console: every case kind of the registry has its page (an assistance request was
 * listed in the inbox but its page answered 400), and the assisting agency replies from it.
 */
describe('协同 console: an assistance request (协查) between two gateways', () => {
  let rig: ConsoleRig;

  beforeAll(async () => {
    rig = await startConsoleRig({ members: [JD, HZ], dialect: 'sqlite' });
    // Routed by the subject's division code to 杭州, which receives it and answers the receipt.
    const sent = await rig.h.post(JD, 'assistance-requests', {
      body: sampleAssistanceRequest('JDXC-WEB-1', 'JD-LEAD-2026-0042', '2026-12-31'),
    });
    expect(sent).toMatchObject({ status: 202, json: { recipient: HZ } });
    await eventually('协查 received on both sides', async () => {
      const [a, b] = await Promise.all(
        [JD, HZ].map(
          async (id) => (await rig.h.gateway(id).app.get(CaseRepository).find('ASSISTANCE', 'JDXC-WEB-1'))[0],
        ),
      );
      return a?.state === 'RECEIVED' && b?.state === 'RECEIVED';
    });
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('opens the request from the inbox as the handler, shows it in Chinese, and replies to it', async () => {
    const hz = await rig.signIn(HZ, 'handler');
    await hz.page.goto(rig.url(HZ, '/console/inbox?kind=ASSISTANCE'));
    const row = 'tr[data-case="JDXC-WEB-1"]';
    await hz.page.waitForSelector(row);
    expect(await hz.page.textContent(row)).toContain('协查');
    expect(await hz.page.textContent(row)).toContain(JD_NAME);

    const [response] = await Promise.all([hz.page.waitForNavigation(), hz.page.click(`${row} a`)]);
    expect(response!.status()).toBe(200);
    expect(new URL(hz.page.url()).pathname).toBe('/console/cases/ASSISTANCE/JDXC-WEB-1');
    expect(await hz.page.textContent('h1')).toContain('协查');
    expect(await hz.page.textContent('#case-state .state')).toBe('已接收');
    const summary = await hz.page.textContent('#case-summary');
    expect(summary).toContain('JD-LEAD-2026-0042');
    expect(summary).toContain('核实该经营者的登记状态及经营范围。');
    expect(summary).toContain('登记信息');
    expect(
      await hz.page.$$eval('#history tr[data-type]', (rows) => rows.map((r) => r.getAttribute('data-type'))),
    ).toContain('ASSISTANCE_REQUEST');
    await rig.shot(hz.page, 'assistance-case');

    // The reply form offers the outcomes of the AssistanceReply schema; a partial reply needs its reason.
    await hz.page.click('#form-reply');
    expect(
      await hz.page.$$eval('#f-outcome option', (options) => options.map((o) => (o as HTMLOptionElement).value)),
    ).toEqual(expect.arrayContaining(['COMPLETED', 'PARTIAL', 'EXTENSION_REQUESTED']));
    await hz.page.selectOption('#f-outcome', 'PARTIAL');
    await hz.page.click('#submit');
    expect(await hz.page.textContent('#form-error')).toContain('说明');
    await hz.page.fill('#f-reason', '平台数据尚未调取，仅核实了登记信息。');
    await rig.shot(hz.page, 'assistance-reply-form');
    await hz.page.click('#submit');
    await hz.page.waitForSelector('#notice');
    expect(await hz.page.textContent('#case-state .state')).toBe('部分完成');

    // The requesting agency sees its request answered on its own page of the case.
    const jd = await rig.signIn(JD, 'staff');
    await eventually('the reply reached 旌德', async () => {
      const r = await jd.page.goto(rig.url(JD, '/console/cases/ASSISTANCE/JDXC-WEB-1'));
      return r?.status() === 200 && (await jd.page.textContent('#case-state .state')) === '部分完成';
    });
    await rig.shot(jd.page, 'assistance-case-requester');
  });

  it('lists every state of every case kind in the inbox filter', async () => {
    const hz = await rig.signIn(HZ, 'handler');
    await hz.page.goto(rig.url(HZ, '/console/inbox'));
    const values = (sel: string) =>
      hz.page.$$eval(`${sel} option`, (options) => options.map((o) => (o as HTMLOptionElement).value));
    expect(await values('select[name="kind"]')).toEqual(expect.arrayContaining(['LEAD', 'COMPLAINT', 'ASSISTANCE']));
    expect(await values('select[name="state"]')).toEqual(
      expect.arrayContaining(['REQUESTED', 'EXTENDED', 'PARTIAL', 'AWAITING_TRIAGE', 'RETURNED']),
    );
  });
});
