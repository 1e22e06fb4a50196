/// <reference lib="dom" />
import { sampleLead } from '@xietong/contracts';
import { eventually } from '@xietong/testing';
import { startConsoleRig, type ConsoleRig } from './console-support';

const JD = '341825';
/** Ten partners of the Yangtze River Delta zone, offline: 旌德's gateway only sends to them. */
const PARTNERS = ['310000', '320100', '320200', '320400', '320500', '330100', '330200', '330400', '340100', '340200'];

interface Box {
  text: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const overlap = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

describe('协同 console: the flow graph with ten partners', () => {
  let rig: ConsoleRig;

  beforeAll(async () => {
    rig = await startConsoleRig({ members: [JD, ...PARTNERS], offline: PARTNERS, dialect: 'sqlite' });
    for (const [i, p] of PARTNERS.entries()) {
      const res = await rig.h.post(JD, 'leads', { recipient: p, body: sampleLead(`JD-G-${i}`, i) });
      expect(res.status).toBe(202);
    }
    // And 55 more to 杭州, so that lists run over one page (50 rows).
    const items = Array.from({ length: 55 }, (_, i) => ({
      type: 'LEAD',
      recipient: '330100',
      body: sampleLead(`JD-P-${String(i).padStart(2, '0')}`, i),
    }));
    expect((await rig.h.post(JD, 'batch', { items })).status).toBe(202);
    await eventually(
      'all leads sent',
      async () => (await rig.h.messages(JD).list({ status: 'sent', limit: 1000 })).length === 65,
    );
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('labels every partner by name, and no two labels overlap', async () => {
    const { page, context } = await rig.signIn(JD, 'auditor');
    await page.waitForSelector('#flow-graph[data-rendered="true"] svg');
    const boxes: Box[] = await page.$$eval('#flow-graph svg text', (texts) =>
      texts
        .filter((t) => (t.textContent ?? '').trim() !== '')
        .map((t) => {
          const r = t.getBoundingClientRect();
          return { text: t.textContent ?? '', left: r.left, top: r.top, right: r.right, bottom: r.bottom };
        }),
    );
    const all = boxes.map((b) => b.text).join(' ');
    for (const name of ['上海市市场监督管理局', '南京市市场监督管理局', '杭州市市场监督管理局', '芜湖市市场监督管理局'])
      expect(all).toContain(name);
    expect(all).toContain('旌德县市场监督管理局');
    const clashes: string[] = [];
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++)
        if (overlap(boxes[i], boxes[j])) clashes.push(`"${boxes[i].text}" / "${boxes[j].text}"`);
    expect(clashes).toEqual([]);
    // Every label stays inside the chart.
    const frame = (await page.$eval('#flow-graph', (e) => e.getBoundingClientRect().toJSON())) as DOMRect;
    for (const b of boxes) {
      expect(b.left).toBeGreaterThanOrEqual(frame.left);
      expect(b.right).toBeLessThanOrEqual(frame.right);
    }
    await rig.shot(page, 'auditor-flow-graph-10-partners');

    // Lists are paged and filtered: 65 leads sent, 56 of them to 杭州.
    await page.goto(rig.url(JD, '/console/auditor/messages?type=LEAD'));
    expect(await page.$$eval('#messages tbody tr', (r) => r.length)).toBe(50);
    await page.click('.pager .next');
    expect(new URL(page.url()).searchParams.get('type')).toBe('LEAD');
    expect(await page.$$eval('#messages tbody tr', (r) => r.length)).toBe(15);
    expect(await page.$('.pager .next')).toBeNull();
    await page.goto(rig.url(JD, '/console/auditor/messages?type=LEAD&partner=330100&page=2'));
    expect(await page.$$eval('#messages tbody tr', (r) => r.length)).toBe(6);
    await page.goto(rig.url(JD, '/console/auditor/messages?type=NOPE'));
    expect(await page.textContent('#error')).toContain('type');
    await context.close();
    // The console's CSP (script-src 'self', no inline) blocked nothing it needs.
    expect(rig.cspViolations).toEqual([]);
  });
});
