/**
 * What the console shows for codes and field paths, in Chinese and English. Values the
 * dictionary does not know are shown as they are, so a new enum symbol is visible, never hidden.
 */
export type Lang = 'zh' | 'en';

type Entry = readonly [zh: string, en: string];

const WORDS: Record<string, Entry> = {
  // message types
  LEAD: ['问题线索', 'Lead'],
  CASE_RESULT: ['核查反馈/处置结果', 'Case result'],
  COMPLAINT: ['投诉转办', 'Complaint'],
  COMPLAINT_RESULT: ['投诉处理结果', 'Complaint result'],
  REMINDER: ['督办', 'Reminder'],
  RECEIPT: ['回执', 'Receipt'],
  ASSISTANCE_REQUEST: ['协查请求', 'Assistance request'],
  ASSISTANCE_REPLY: ['协查回复', 'Assistance reply'],
  AUDIT_CHECKPOINT: ['审计检查点', 'Audit checkpoint'],
  AUDIT_COUNTERSIGN: ['审计见证签名', 'Audit countersignature'],
  PING: ['连通性检测', 'Connectivity check'],
  ERASURE_NOTICE: ['个人信息删除通知', 'Erasure notice'],
  // case kinds (LEAD and COMPLAINT are their opening types above)
  ASSISTANCE: ['协查', 'Assistance request'],
  // message status and direction
  pending: ['待发送', 'pending'],
  sent: ['已发送', 'sent'],
  accepted: ['对方已接收', 'accepted'],
  rejected: ['对方已拒收', 'rejected'],
  failed: ['发送失败', 'failed'],
  stored: ['已收妥', 'received'],
  in: ['收到', 'received'],
  out: ['发出', 'sent'],
  // case roles
  transferor: ['我方移送', 'we transferred'],
  handler: ['我方承办', 'we handle'],
  // lead states
  TRANSFERRED: ['已移送', 'transferred'],
  RECEIVED: ['已接收', 'received'],
  VERIFYING: ['核查中', 'verifying'],
  CASE_OPENED: ['已立案', 'case opened'],
  NOT_OPENED: ['不予立案', 'not opened'],
  TRANSFERRED_ON: ['已移送其他部门', 'transferred on'],
  RETURNED: ['无管辖权退回', 'returned'],
  DISPOSED: ['已处置', 'disposed'],
  CLOSED: ['已办结', 'closed'],
  // complaint states
  FORWARDED: ['已转办', 'forwarded'],
  AWAITING_TRIAGE: ['待分流', 'awaiting triage'],
  ACCEPTED: ['已受理', 'accepted'],
  REJECTED: ['不予受理', 'rejected'],
  MEDIATING: ['调解中', 'mediating'],
  SETTLED: ['调解成功', 'settled'],
  MEDIATION_ENDED: ['终止调解', 'mediation ended'],
  WITHDRAWN: ['已撤回', 'withdrawn'],
  // assistance request states (RECEIVED as for leads)
  REQUESTED: ['已发出协查', 'requested'],
  EXTENDED: ['已申请延期', 'extended'],
  COMPLETED: ['已完成', 'completed'],
  PARTIAL: ['部分完成', 'partly completed'],
  // assistance reply outcomes (COMPLETED, PARTIAL as the states) and question topics
  EXTENSION_REQUESTED: ['申请延期', 'extension requested'],
  REGISTRATION: ['登记信息', 'registration'],
  PREMISES: ['经营场所', 'premises'],
  PLATFORM_RECORDS: ['平台记录', 'platform records'],
  DELIVERY_ADDRESS: ['收货地址', 'delivery address'],
  // verification statuses (form options)
  TRANSFERRED_TO_DEPARTMENT: ['移送其他部门', 'transferred to a department'],
  TRANSFERRED_TO_JUDICIAL: ['移送公安/司法机关', 'transferred to judicial authorities'],
  RETURNED_NO_JURISDICTION: ['无管辖权退回', 'returned: no jurisdiction'],
  // clocks
  'lead-feedback': ['线索核查反馈（7个工作日）', 'lead feedback (7 working days)'],
  'lead-verification': ['线索核查（15个工作日）', 'lead verification (15 working days)'],
  'case-decision': ['立案后作出决定（90日）', 'case decision (90 days)'],
  'complaint-acceptance': ['投诉受理（7个工作日）', 'complaint acceptance (7 working days)'],
  'complaint-mediation': ['投诉调解（45个工作日）', 'complaint mediation (45 working days)'],
  assistance: ['协助调查（15个工作日）', 'assistance (15 working days)'],
  // penalties and publicity
  WARNING: ['警告', 'warning'],
  PUBLIC_CRITICISM: ['通报批评', 'public criticism'],
  FINE: ['罚款', 'fine'],
  CONFISCATE_ILLEGAL_GAINS: ['没收违法所得', 'confiscate illegal gains'],
  CONFISCATE_ILLEGAL_PROPERTY: ['没收非法财物', 'confiscate illegal property'],
  SUSPENSION: ['责令停产停业', 'suspension'],
  LICENCE_REVOCATION: ['吊销许可证件', 'licence revocation'],
  OTHER: ['其他', 'other'],
  NOT_REQUIRED: ['无需公示', 'not required'],
  PUBLISHED: ['已公示', 'published'],
  // lead fields
  INSPECTION: ['监督检查', 'inspection'],
  REPORT: ['举报', 'report'],
  DEPARTMENT_TRANSFER: ['其他部门移送', 'department transfer'],
  HIGHER_LEVEL_ASSIGNMENT: ['上级交办', 'assigned by a higher level'],
  ONLINE_MONITORING: ['网络监测', 'online monitoring'],
  DATA_ANALYSIS: ['数据分析', 'data analysis'],
  KEY: ['重点监控', 'key'],
  GENERAL: ['一般监控', 'general'],
  PLATFORM_DUTIES: ['平台主体责任', 'platform duties'],
  SPECIAL_CAMPAIGN: ['专项整治', 'special campaign'],
  FOOD: ['食品安全', 'food'],
  DRUGS_DEVICES_COSMETICS: ['药品医疗器械化妆品', 'drugs, devices, cosmetics'],
  ADVERTISING: ['广告', 'advertising'],
  PRICING: ['价格', 'pricing'],
  UNFAIR_COMPETITION: ['不正当竞争', 'unfair competition'],
  PRODUCT_QUALITY: ['产品质量', 'product quality'],
  CREDIT: ['信用监管', 'credit'],
  REGISTRATION_UNLICENSED: ['登记注册/无证无照', 'registration, unlicensed'],
  CONSUMER_RIGHTS: ['消费者权益', 'consumer rights'],
  METROLOGY_CERTIFICATION: ['计量认证', 'metrology, certification'],
  INTELLECTUAL_PROPERTY: ['知识产权', 'intellectual property'],
  SEAT: ['住所地', 'registered seat'],
  ACTUAL_PLACE_OF_BUSINESS: ['实际经营地', 'actual place of business'],
  PLATFORM_SEAT_FOUND_FIRST: ['平台住所地（先发现）', 'platform seat, found first'],
  DESIGNATED: ['指定管辖', 'designated'],
};

/** Form and API field paths (as DomainError.field names them) and their Chinese names. */
const FIELDS: Record<string, Entry> = {
  recipient: ['接收机构', 'recipient'],
  'body.leadNo': ['线索编号', 'lead number'],
  'body.complaintNo': ['投诉编号', 'complaint number'],
  'body.source': ['线索来源', 'source'],
  'body.riskTier': ['风险等级', 'risk tier'],
  'body.subject.storeName': ['店铺名称', 'store name'],
  'body.subject.operatorName': ['经营者名称', 'operator name'],
  'body.subject.operatorUscc': ['经营者统一社会信用代码', 'operator credit code'],
  'body.subject.platformName': ['平台名称', 'platform name'],
  'body.subject.storeUrl': ['店铺网址', 'store URL'],
  'body.subject.registeredAddress.address': ['住所地址', 'registered address'],
  'body.subject.registeredAddress.divisionCode': ['住所地行政区划代码', 'registered division code'],
  'body.subject.actualAddress.address': ['实际经营地址', 'actual address'],
  'body.subject.actualAddress.divisionCode': ['实际经营地行政区划代码', 'actual division code'],
  'body.allegation.category': ['违法类别', 'violation category'],
  'body.allegation.facts': ['涉嫌违法事实', 'facts'],
  'body.jurisdictionBasis': ['管辖依据', 'jurisdiction basis'],
  'body.replyDue': ['要求反馈日期', 'reply due'],
  'body.feedback.status': ['核查结论', 'verification status'],
  'body.feedback.caseNo': ['立案编号', 'case number'],
  'body.feedback.openedAt': ['立案日期', 'opened on'],
  'body.feedback.caseDue': ['办案期限', 'case due'],
  'body.feedback.notOpenedGround': ['不予立案理由', 'ground for not opening'],
  'body.feedback.note': ['核查情况说明', 'note'],
  'body.disposal.decisionNo': ['处罚决定书文号', 'decision number'],
  'body.disposal.decisionDate': ['决定日期', 'decision date'],
  'body.disposal.penalties': ['处罚种类', 'penalties'],
  'body.disposal.fineFen': ['罚款金额', 'fine'],
  'body.disposal.confiscatedFen': ['没收金额', 'confiscated'],
  'body.disposal.publicity': ['公示状态', 'publicity'],
  'body.disposal.publicityUrl': ['公示网址', 'publicity URL'],
  'body.disposal.closedAt': ['结案时间', 'closed at'],
  'body.status': ['处理状态', 'status'],
  'body.recoveredFen': ['挽回损失金额', 'recovered'],
  'body.acceptBy': ['受理期限', 'accept by'],
  'body.mediateBy': ['调解期限', 'mediate by'],
  'body.note': ['处理情况说明', 'note'],
  'body.requestNo': ['协查编号', 'request number'],
  'body.outcome': ['协查结果', 'outcome'],
  'body.reason': ['原因说明', 'reason'],
  'body.newDueDate': ['延期至', 'new due date'],
  body: ['报文内容', 'message body'],
};

const UI: Record<string, Entry> = {
  title: ['协同 · 跨区域市场监管数据共享', 'Xietong · cross-region data sharing'],
  overview: ['数据流总览', 'Flows'],
  overdue: ['逾期督办', 'Overdue'],
  quarantine: ['隔离区', 'Quarantine'],
  report: ['月度报表', 'Monthly report'],
  messages: ['报文', 'Messages'],
  inbox: ['待办收件箱', 'Inbox'],
  transferred: ['我方移送', 'Transferred'],
  newLead: ['移送线索', 'New lead'],
  logout: ['退出登录', 'Log out'],
  filter: ['筛选', 'Filter'],
  prev: ['上一页', 'Previous'],
  next: ['下一页', 'Next'],
  page: ['第 {n} 页', 'page {n}'],
  none: ['暂无数据', 'nothing here'],
  all: ['全部', 'all'],
};

/** The page's language picks one of the two texts: every text of a console page comes in both. */
export function tr(lang: Lang, zh: string, en: string): string {
  return lang === 'zh' ? zh : en;
}

const ROLES: Record<string, Entry> = {
  submitter: ['报送员', 'submitter'],
  handler: ['承办人', 'handler'],
  auditor: ['审计员', 'auditor'],
  admin: ['管理员', 'admin'],
};

/** A console role's name (`handler` -> 承办人). */
export function roleName(r: string, lang: Lang = 'zh'): string {
  const e = ROLES[r];
  return e ? e[lang === 'zh' ? 0 : 1] : r;
}

export function word(code: string | null | undefined, lang: Lang = 'zh'): string {
  if (code === null || code === undefined || code === '') return '';
  const e = WORDS[code];
  return e ? e[lang === 'zh' ? 0 : 1] : code;
}

/** The name of a field path such as `body.feedback.caseNo` (array indexes dropped). */
export function fieldName(path: string | undefined, lang: Lang = 'zh'): string {
  if (!path) return lang === 'zh' ? '报文' : 'message';
  const key = path.replace(/\.\d+(?=\.|$)/g, '');
  for (let k = key; k; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') {
    const e = FIELDS[k];
    if (e) return e[lang === 'zh' ? 0 : 1];
  }
  return path;
}

export function ui(key: keyof typeof UI, lang: Lang = 'zh', vars: Record<string, string | number> = {}): string {
  const s = UI[key][lang === 'zh' ? 0 : 1];
  return s.replace(/\{(\w+)\}/g, (_, v: string) => String(vars[v] ?? ''));
}

/** The agency's full name from its manifest entry (`旌德县` -> `旌德县市场监督管理局`). */
export function agencyName(name: string | undefined, id: string): string {
  if (!name || name === id) return id;
  return /局$|委员会$|办公室$/.test(name) ? name : `${name}市场监督管理局`;
}
