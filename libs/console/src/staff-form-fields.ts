import type { MessageType, SchemaCatalog } from '@xietong/contracts';
import type { FormKind } from './staff-forms';

/** One input of a console form, its options resolved. */
export interface Field {
  name: string;
  /** Chinese label, and its English for the console's English pages. */
  label: string;
  labelEn: string;
  type?: 'text' | 'date' | 'datetime-local' | 'textarea' | 'select' | 'multi';
  options?: readonly string[];
  wide?: boolean;
  required?: boolean;
}

/**
 * Where a select's options come from: the symbols of an enum field of the body schema the form
 * submits (so a new symbol shows up and a dropped one goes), or only some of them where a form
 * stands for one step (`only`; the registry spec checks they are symbols of that enum).
 */
export interface EnumSource {
  type: MessageType;
  path: string;
  only?: readonly string[];
}

export type FieldSpec = Omit<Field, 'options'> & { enumOf?: EnumSource };

export const TITLES: Record<FormKind, readonly [zh: string, en: string]> = {
  feedback: ['核查反馈', 'Verification feedback'],
  disposal: ['处置结果', 'Disposal result'],
  acceptance: ['投诉受理', 'Complaint acceptance'],
  mediation: ['调解', 'Mediation'],
  result: ['处理结果', 'Complaint result'],
  reply: ['协查回复', 'Assistance reply'],
  lead: ['移送线索', 'Transfer a lead'],
};

/** A form's title in the page's language. */
export const formTitle = (kind: FormKind, lang: 'zh' | 'en'): string => TITLES[kind][lang === 'zh' ? 0 : 1];

const complaintStatus = (only: readonly string[]): EnumSource => ({ type: 'COMPLAINT_RESULT', path: 'status', only });

export const FIELD_SPECS: Record<FormKind, readonly FieldSpec[]> = {
  feedback: [
    {
      name: 'status',
      label: '核查结论',
      labelEn: 'Verification result',
      type: 'select',
      required: true,
      enumOf: { type: 'CASE_RESULT', path: 'feedback.status' },
    },
    { name: 'caseNo', label: '立案编号', labelEn: 'Case number' },
    { name: 'openedAt', label: '立案日期', labelEn: 'Opened on', type: 'date' },
    { name: 'caseDue', label: '办案期限', labelEn: 'Case due', type: 'date' },
    { name: 'notOpenedGround', label: '不予立案理由', labelEn: 'Ground for not opening', wide: true },
    { name: 'note', label: '核查情况说明', labelEn: 'Verification note', type: 'textarea', wide: true },
  ],
  disposal: [
    { name: 'decisionNo', label: '处罚决定书文号', labelEn: 'Decision number', required: true },
    { name: 'decisionDate', label: '决定日期', labelEn: 'Decision date', type: 'date', required: true },
    {
      name: 'penalties',
      label: '处罚种类',
      labelEn: 'Penalties',
      type: 'multi',
      enumOf: { type: 'CASE_RESULT', path: 'disposal.penalties' },
    },
    { name: 'fine', label: '罚款金额（元）', labelEn: 'Fine (yuan)' },
    { name: 'confiscated', label: '没收金额（元）', labelEn: 'Confiscated (yuan)' },
    {
      name: 'publicity',
      label: '公示状态',
      labelEn: 'Publicity',
      type: 'select',
      required: true,
      enumOf: { type: 'CASE_RESULT', path: 'disposal.publicity' },
    },
    { name: 'publicityUrl', label: '公示网址', labelEn: 'Publicity URL' },
    { name: 'closedAt', label: '结案时间', labelEn: 'Closed at', type: 'datetime-local' },
  ],
  acceptance: [
    {
      name: 'status',
      label: '受理结论',
      labelEn: 'Acceptance decision',
      type: 'select',
      required: true,
      enumOf: complaintStatus(['ACCEPTED', 'REJECTED']),
    },
    { name: 'acceptBy', label: '受理期限', labelEn: 'Accept by', type: 'date' },
    { name: 'note', label: '说明', labelEn: 'Note', type: 'textarea', wide: true },
  ],
  mediation: [
    {
      name: 'status',
      label: '调解状态',
      labelEn: 'Mediation status',
      type: 'select',
      required: true,
      enumOf: complaintStatus(['MEDIATING']),
    },
    { name: 'mediateBy', label: '调解期限', labelEn: 'Mediate by', type: 'date' },
    { name: 'note', label: '说明', labelEn: 'Note', type: 'textarea', wide: true },
  ],
  result: [
    {
      name: 'status',
      label: '处理结果',
      labelEn: 'Result',
      type: 'select',
      required: true,
      enumOf: complaintStatus(['SETTLED', 'MEDIATION_ENDED', 'WITHDRAWN', 'CLOSED']),
    },
    { name: 'recovered', label: '挽回损失（元）', labelEn: 'Recovered (yuan)' },
    { name: 'note', label: '说明', labelEn: 'Note', type: 'textarea', wide: true },
  ],
  reply: [
    {
      name: 'outcome',
      label: '协查结果',
      labelEn: 'Outcome',
      type: 'select',
      required: true,
      enumOf: { type: 'ASSISTANCE_REPLY', path: 'outcome' },
    },
    {
      name: 'newDueDate',
      label: '延期至（申请延期时填写）',
      labelEn: 'New due date (when asking for an extension)',
      type: 'date',
    },
    {
      name: 'reason',
      label: '原因说明（部分完成或申请延期时填写）',
      labelEn: 'Reason (when partly completed or asking for an extension)',
      type: 'textarea',
      wide: true,
    },
  ],
  lead: [
    { name: 'leadNo', label: '线索编号', labelEn: 'Lead number', required: true },
    {
      name: 'recipient',
      label: '接收机构（留空按管辖自动确定）',
      labelEn: 'Recipient (empty: by jurisdiction)',
      type: 'select',
    },
    {
      name: 'source',
      label: '线索来源',
      labelEn: 'Source',
      type: 'select',
      required: true,
      enumOf: { type: 'LEAD', path: 'source' },
    },
    {
      name: 'riskTier',
      label: '风险等级',
      labelEn: 'Risk tier',
      type: 'select',
      required: true,
      enumOf: { type: 'LEAD', path: 'riskTier' },
    },
    { name: 'storeName', label: '店铺名称', labelEn: 'Store name', required: true },
    { name: 'platformName', label: '平台名称', labelEn: 'Platform name' },
    { name: 'operatorName', label: '经营者名称', labelEn: 'Operator name', required: true },
    { name: 'operatorUscc', label: '经营者统一社会信用代码', labelEn: 'Operator credit code' },
    { name: 'storeUrl', label: '店铺网址', labelEn: 'Store URL', wide: true },
    { name: 'registeredAddress', label: '住所地址', labelEn: 'Registered address', required: true },
    { name: 'registeredDivision', label: '住所地行政区划代码', labelEn: 'Registered division code', required: true },
    { name: 'actualAddress', label: '实际经营地址', labelEn: 'Actual address' },
    { name: 'actualDivision', label: '实际经营地行政区划代码', labelEn: 'Actual division code' },
    {
      name: 'category',
      label: '违法类别',
      labelEn: 'Violation category',
      type: 'select',
      required: true,
      enumOf: { type: 'LEAD', path: 'allegation.category' },
    },
    {
      name: 'jurisdictionBasis',
      label: '管辖依据',
      labelEn: 'Jurisdiction basis',
      type: 'select',
      required: true,
      enumOf: { type: 'LEAD', path: 'jurisdictionBasis' },
    },
    { name: 'law', label: '法律依据（法律名称）', labelEn: 'Legal basis (law)' },
    { name: 'article', label: '条款', labelEn: 'Article' },
    { name: 'designationReason', label: '指定管辖理由', labelEn: 'Reason for designation' },
    { name: 'replyDue', label: '要求反馈日期', labelEn: 'Reply due', type: 'date' },
    { name: 'facts', label: '涉嫌违法事实', labelEn: 'Facts', type: 'textarea', wide: true, required: true },
  ],
};

/** The options a select offers: the enum's symbols in schema order, or the chosen ones among them. */
export function enumOptions(catalog: SchemaCatalog, source: EnumSource): readonly string[] {
  const symbols = catalog.symbols(source.type, source.path);
  return source.only ? symbols.filter((s) => source.only!.includes(s)) : symbols;
}

const resolved = new WeakMap<SchemaCatalog, Record<FormKind, Field[]>>();

/** Every form's fields with the options of the schemas this gateway writes (computed once per catalog). */
export function formFields(catalog: SchemaCatalog): Record<FormKind, Field[]> {
  let fields = resolved.get(catalog);
  if (!fields) {
    fields = Object.fromEntries(
      Object.entries(FIELD_SPECS).map(([kind, specs]) => [
        kind,
        specs.map(({ enumOf, ...f }) => (enumOf ? { ...f, options: enumOptions(catalog, enumOf) } : f)),
      ]),
    ) as Record<FormKind, Field[]>;
    resolved.set(catalog, fields);
  }
  return fields;
}
