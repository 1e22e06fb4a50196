/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { sampleLead } from '@xietong/contracts';
import { eventually, RecordForge } from '@xietong/testing';
import { startConsoleRig, type ConsoleRig } from './console-support';

const JD = '341825';
const HZ = '330100';
const LEAD = sampleLead('JD-LANG-1') as any;
/**
 * Data values a page may show in Chinese in either language: the agencies' names from the manifest,
 * and what the lead's sender wrote (store, operator, platform, facts).
 */
const DATA: string[] = [
  '旌德县市场监督管理局',
  '杭州市市场监督管理局',
  LEAD.subject.storeName,
  LEAD.subject.operatorName,
  LEAD.subject.platformName,
  LEAD.allegation.facts,
].filter(Boolean);
const HAN = /\p{Script=Han}/u;

/** The text of <main> as the user reads it, the data values taken out. */
async function mainText(page: Page): Promise<string> {
  const text = await page.evaluate(() => (document.querySelector('main') as HTMLElement).innerText);
  return DATA.reduce((t, value) => t.split(value).join(' '), text);
}

/** The Han characters left on the page with some context around each, for a readable failure. */
function hanIn(text: string): string[] {
  return [...text.matchAll(/.{0,20}\p{Script=Han}+.{0,20}/gu)].map((m) => m[0]);
}

describe('协同 console in two languages, in Chromium', () => {
  let rig: ConsoleRig;

  beforeAll(async () => {
    rig = await startConsoleRig({ members: [JD, HZ], dialect: 'sqlite' });
    const lead = await rig.h.post(JD, 'leads', { recipient: HZ, body: LEAD });
    await eventually(
      'lead accepted',
      async () => (await rig.h.messages(JD).find(lead.json.messageId))?.status === 'accepted',
    );
    const forge = new RecordForge(rig.h);
    await forge.send(JD, [{ value: Buffer.from('not a record') }]);
    await forge.close();
    await eventually('quarantined at 341825', async () => (await rig.h.quarantine(JD).list()).length > 0);
  });
  afterAll(async () => {
    await rig?.close();
  });

  /** The new-lead form filled in with plain ASCII data, the store name left out. */
  async function fillLeadWithoutStoreName(page: Page): Promise<void> {
    await page.fill('#f-leadNo', 'JD-LANG-2');
    await page.selectOption('#f-recipient', HZ);
    await page.selectOption('#f-source', 'ONLINE_MONITORING');
    await page.selectOption('#f-riskTier', 'KEY');
    await page.fill('#f-operatorName', 'Jingde Trading Co.');
    await page.fill('#f-registeredAddress', 'No. 1 Main Street');
    await page.fill('#f-registeredDivision', '330106');
    await page.selectOption('#f-category', 'ADVERTISING');
    await page.selectOption('#f-jurisdictionBasis', 'SEAT');
    await page.fill('#f-facts', 'Advertises a cure it cannot deliver.');
  }

  it('names a missing store name in Chinese, then in English with no Han characters on the page', async () => {
    const { page } = await rig.signIn(JD, 'submitter');
    await page.goto(rig.url(JD, '/console/leads/new'));
    await fillLeadWithoutStoreName(page);
    await page.click('#submit');
    expect(await page.textContent('#form-error')).toBe('店铺名称：必填，请填写');
    expect(await page.getAttribute('label.invalid input', 'name')).toBe('storeName');

    await page.click('#lang');
    await page.waitForSelector('html[lang="en"]');
    expect(new URL(page.url()).pathname).toBe('/console/leads/new');
    expect(hanIn(await mainText(page))).toEqual([]);
    await fillLeadWithoutStoreName(page);
    await page.click('#submit');
    expect(await page.textContent('#form-error')).toBe('store name: required');
    expect(await page.textContent('h1')).toBe('Transfer a lead');
    expect(hanIn(await mainText(page))).toEqual([]);
    await rig.shot(page, 'lead-form-error-en');
  });

  it('shows every auditor and staff page in English, Han characters only in data values', async () => {
    const auditor = await rig.signIn(JD, 'auditor');
    await auditor.page.click('#lang');
    await auditor.page.waitForSelector('html[lang="en"]');
    const month = new Date().toISOString().slice(0, 7);
    for (const path of [
      '/console/auditor',
      '/console/auditor/overdue',
      '/console/auditor/quarantine',
      '/console/auditor/messages',
      `/console/auditor/report?month=${month}`,
      '/console/transferred',
      '/console/cases/LEAD/JD-LANG-1',
    ]) {
      await auditor.page.goto(rig.url(JD, path));
      expect(await auditor.page.getAttribute('html', 'lang')).toBe('en');
      expect({ path, han: hanIn(await mainText(auditor.page)) }).toEqual({ path, han: [] });
    }
    // The quarantine detail of the record forged above, linked from the list.
    await auditor.page.goto(rig.url(JD, '/console/auditor/quarantine'));
    await auditor.page.click('#quarantine tbody tr a');
    await auditor.page.waitForSelector('#quarantine-detail');
    expect(hanIn(await mainText(auditor.page))).toEqual([]);
    // A page's header and navigation switch too.
    expect(await auditor.page.textContent('nav')).toContain('Flows');
    expect(HAN.test((await auditor.page.textContent('header .user .roles')) ?? '')).toBe(false);
    await rig.shot(auditor.page, 'auditor-quarantine-detail-en');

    const handler = await rig.signIn(HZ, 'handler');
    await handler.page.click('#lang');
    await handler.page.waitForSelector('html[lang="en"]');
    for (const path of ['/console/inbox', '/console/cases/LEAD/JD-LANG-1', '/console/cases/LEAD/JD-LANG-1/feedback']) {
      await handler.page.goto(rig.url(HZ, path));
      const text = await mainText(handler.page);
      // The lead's own content (store, operator, facts) is data the partner wrote in Chinese.
      const lead = sampleLead('JD-LANG-1') as any;
      const data = [
        lead.subject.storeName,
        lead.subject.operatorName,
        lead.subject.platformName,
        lead.allegation.facts,
      ];
      const rest = data.reduce((t: string, d: string) => (d ? t.split(d).join(' ') : t), text);
      expect({ path, han: hanIn(rest) }).toEqual({ path, han: [] });
    }
    await rig.shot(handler.page, 'handler-feedback-form-en');
  });
});
