import type { CaseRecord, QuarantineRecord } from '@xietong/persistence';
import type { ConsoleContext } from '../console-context';
import type { Lang } from '../labels';
import { formFields } from '../staff-form-fields';
import { caseListView, type CaseRow } from './case-list.view';
import { casePageView } from './case-page.view';
import { formView } from './form.view';
import { overviewView } from './overview.view';
import { quarantinedView } from './quarantine.view';

const HAN = /\p{Script=Han}/u;
const NAMES: Record<string, string> = { '341825': '旌德县市场监督管理局', '330100': '杭州市市场监督管理局' };

function context(lang: Lang, roles: ConsoleContext['session']['roles'] = ['auditor']): ConsoleContext {
  return {
    session: { id: 's', subject: 'u1', name: 'Zhao', roles, csrf: 'tok', idToken: '', createdAt: 0, lastSeenAt: 0 },
    lang,
    agency: '341825',
    name: (id) => NAMES[id] ?? id,
    path: '/console/auditor',
    has: (r) => roles.includes(r),
  };
}

/** The text of <main> without the data values a test put in (agency names, case numbers). */
function mainText(html: string, data: string[] = Object.values(NAMES)): string {
  let main = html.slice(html.indexOf('<main>'), html.indexOf('</main>'));
  main = main.replace(/<script type="application\/json"[^>]*>.*?<\/script>/gs, '').replace(/<[^>]+>/g, ' ');
  for (const d of data) main = main.split(d).join(' ');
  return main;
}

const kpis = {
  sent: 3,
  received: 2,
  accepted: 2,
  rejected: 1,
  overdueAtPartners: 1,
  overdueHere: 0,
  onTimeRate: 0.5,
  meanFeedbackWorkingDays: 2.5,
};
const overview = {
  from: '2026-11-01',
  to: '2026-11-30',
  granularity: 'day' as const,
  by: 'partner' as const,
  members: [{ id: '330100' }],
  kpis,
  timeline: { buckets: ['2026-11-01'], series: [{ name: '330100', data: [3] }] },
  edges: [{ partner: '330100', sent: 3, received: 2, rejected: 1 }],
};

const quarantined: QuarantineRecord = {
  id: '7',
  reasonCode: 'SIGNATURE_INVALID',
  reason: '<script>alert(1)</script> signature does not verify',
  claimedSender: '330100',
  messageId: null,
  type: 'LEAD',
  topic: 'xietong.inbox.341825',
  partition: 0,
  offset: '12',
  recordKey: 'K"1',
  headers: '{"x-sig":"a<b"}',
  value: Buffer.from('hello'),
  receivedAt: new Date('2026-11-20T02:00:00Z'),
  deadLettered: true,
  replayedAt: null,
  replayedBy: null,
} as unknown as QuarantineRecord;

const caseFile = {
  kind: 'LEAD',
  caseNo: 'JD-<1>',
  partner: '330100',
  role: 'transferor',
  state: 'VERIFYING',
  clock: 'lead-feedback',
  dueOn: '2026-11-10',
  dueProvisional: false,
  reminders: 2,
  lastReminderAt: null,
} as unknown as CaseRecord;
const row: CaseRow = { ...caseFile, due: 'overdue', countdown: { late: true, days: 3, working: true }, shared: true };

describe('console views', () => {
  it('renders the overview in Chinese: KPIs, headings, the partner by name', () => {
    const page = overviewView(context('zh'), overview).value;
    expect(page).toContain('<h1>数据流总览</h1>');
    expect(page).toContain('按时反馈率');
    expect(page).toContain('50%');
    expect(page).toContain('<td>杭州市市场监督管理局</td>');
  });

  it('renders the overview in English with no Han characters but the agency names', () => {
    const page = overviewView(context('en'), overview).value;
    expect(page).toContain('<h1>Flows</h1>');
    expect(page).toContain('On-time feedback');
    expect(page).toContain('<html lang="en">');
    expect(mainText(page)).not.toMatch(HAN);
  });

  it('escapes what a record carries (reason, key, headers) on the quarantine detail', () => {
    const page = quarantinedView(context('zh'), quarantined).value;
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('K&quot;1');
    expect(page).toContain('x-sig: a&lt;b');
    expect(page).toContain('已转死信');
    const en = quarantinedView(context('en'), quarantined).value;
    expect(en).toContain('sent to dead letter');
    expect(en).toContain('5 bytes');
    expect(mainText(en)).not.toMatch(HAN);
  });

  it('lists cases with the countdown, the reminders and the shared-number flag in either language', () => {
    const model = {
      role: 'transferor' as const,
      filters: {},
      members: [{ id: '330100' }],
      rows: [row],
      page: 1,
      hasMore: false,
      query: {},
    };
    const zh = caseListView(context('zh', ['handler']), model).value;
    expect(zh).toContain('已逾期 3 个工作日');
    expect(zh).toContain('已督办 2 次');
    expect(zh).toContain('编号重复');
    expect(zh).toContain('JD-&lt;1&gt;');
    const en = caseListView(context('en', ['handler']), model).value;
    expect(en).toContain('3 working days late');
    expect(en).toContain('shared number');
    expect(mainText(en)).not.toMatch(HAN);
  });

  it('shows the masked complainant and offers the reveal to a handler only', () => {
    const model = {
      kind: 'COMPLAINT',
      caseNo: 'C-1',
      partner: '330100',
      rows: [],
      summary: [['Respondent', 'ACME'] as [string, unknown]],
      complainant: { name: '王**', phone: '138****1234' },
      handling: true,
      forms: ['acceptance' as const],
      history: [],
      canHandle: true,
    };
    const handler = casePageView(context('en', ['handler']), model).value;
    expect(handler).toContain('id="reveal"');
    expect(handler).toContain('Complaint acceptance');
    expect(mainText(handler, ['王**'])).not.toMatch(HAN);
    const auditor = casePageView(context('zh', ['auditor']), { ...model, canHandle: false }).value;
    expect(auditor).toContain('查看完整个人信息需要承办人角色');
    expect(auditor).not.toContain('id="form-acceptance"');
  });

  it('renders a form with its error and the invalid input marked, labels in the page language', () => {
    const fields = formFields({ symbols: () => ['KEY', 'GENERAL'] } as never).lead;
    const model = {
      kind: 'lead' as const,
      fields,
      members: [{ id: '330100' }],
      posted: { leadNo: 'JD-"1"' },
      error: { message: '店铺名称：必填，请填写', input: 'storeName' },
    };
    const zh = formView(context('zh', ['submitter']), model).value;
    expect(zh).toContain('<p class="error" id="form-error" role="alert">店铺名称：必填，请填写</p>');
    expect(zh).toMatch(/<label class=" invalid"\s*>店铺名称 \*<input/);
    expect(zh).toContain('value="JD-&quot;1&quot;"');
    const en = formView(context('en', ['submitter']), {
      ...model,
      error: { message: 'store name: required', input: 'storeName' },
    }).value;
    expect(en).toContain('Store name *');
    expect(en).toContain('>Submit</button>');
    expect(mainText(en)).not.toMatch(HAN);
  });
});
