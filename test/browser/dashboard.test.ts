/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from '@xietong/config';
import { sampleLead } from '@xietong/contracts';
import { Database } from '@xietong/persistence';
import { eventually, RecordForge, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';

describe('auditor dashboard in headless Chromium', () => {
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ], dialect: 'sqlite' });
    const lead = await h.post(JD, 'leads', { recipient: HZ, body: sampleLead('JD-DASH-1') });
    await eventually(
      'lead received',
      async () => (await h.messages(JD).find(lead.json.messageId))?.status === 'accepted',
    );
    // The partner is late: the feedback clock of this lead ran out long ago.
    await h
      .gateway(JD)
      .app.get(Database)
      .dataSource.query(`UPDATE case_file SET due_on = '2026-01-05' WHERE case_no = 'JD-DASH-1'`);
    const forge = new RecordForge(h);
    await forge.send(JD, [{ value: Buffer.from('not a record') }]);
    await forge.close();
    await eventually('quarantined at 341825', async () => (await h.quarantine(JD).list()).length > 0);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('shows the flows between agencies, an overdue item highlighted and the quarantine', async () => {
    const page = await browser.newPage();
    await page.goto(`${h.gateway(JD).url}/dashboard`);
    await page.fill('#token', await h.token(JD, ['auditor']));
    await page.click('#load');
    await page.waitForSelector('#flows tbody tr');
    const flows = await page.$$eval('#flows tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(flows).toContainEqual(['341825', '330100', 'LEAD', '1', '0', '0']);
    const overdue = await page.$$eval('#deadlines tbody tr.overdue', (rows) => rows.map((r) => r.textContent));
    expect(overdue).toEqual([expect.stringContaining('JD-DASH-1')]);
    expect(overdue[0]).toContain('OVERDUE');
    expect(await page.$eval('#deadlines tr.overdue td', (td) => getComputedStyle(td).backgroundColor)).toBe(
      'rgb(253, 226, 225)',
    );
    const quarantine = await page.$$eval('#quarantine tbody tr', (rows) => rows.map((r) => r.textContent));
    expect(quarantine).toContainEqual(expect.stringContaining('MALFORMED'));
    expect(await page.$$eval('#graph line', (l) => l.length)).toBeGreaterThan(0);
    mkdirSync(join(repoRoot(), 'reports'), { recursive: true });
    await page.screenshot({ path: join(repoRoot(), 'reports', 'dashboard.png'), fullPage: true });
  });

  it('refuses a token without the auditor role with a visible message', async () => {
    const page = await browser.newPage();
    await page.goto(`${h.gateway(JD).url}/dashboard`);
    await page.fill('#token', await h.token(JD, ['submitter']));
    await page.click('#load');
    await page.waitForFunction(() => document.getElementById('error')!.textContent !== '');
    expect(await page.textContent('#error')).toContain('needs one of the roles auditor');
  });
});
