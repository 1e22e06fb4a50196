import { CASE_KINDS, type CaseKindName } from '@xietong/contracts';
import { CASE_STATES } from '@xietong/workflow';
import { tr, word, type Lang } from './labels';
import type { FormKind } from './staff-forms';

// The opening message's body as stored (JSON form of its Avro schema); fields may be absent.
type Body = Record<string, any>;

/** What the staff console shows and offers for a case file of one kind. */
export interface CaseKindView {
  /** The forms the handling agency answers a case of this kind with, in lifecycle order. */
  forms: readonly FormKind[];
  /** Label and value of what the case page shows of the message that opened the case. */
  summary(body: Body, lang: Lang): [label: string, value: unknown][];
}

const yuan = (fen: unknown) => (typeof fen === 'number' ? (fen / 100).toFixed(2) : '');

/**
 * One entry per case kind of the registry (libs/contracts CASE_KINDS): a new kind does not compile
 * without its view, and the registry spec checks that each form answers a case of its kind.
 */
export const CASE_KIND_VIEWS: Readonly<Record<CaseKindName, CaseKindView>> = {
  LEAD: {
    forms: ['feedback', 'disposal'],
    summary: (b, lang) => [
      [tr(lang, '店铺', 'Store'), b.subject?.storeName],
      [tr(lang, '经营者', 'Operator'), b.subject?.operatorName],
      [tr(lang, '平台', 'Platform'), b.subject?.platformName],
      [tr(lang, '违法类别', 'Violation category'), word(b.allegation?.category, lang)],
      [tr(lang, '风险等级', 'Risk tier'), word(b.riskTier, lang)],
      [tr(lang, '线索来源', 'Source'), word(b.source, lang)],
      [tr(lang, '涉嫌违法事实', 'Facts'), b.allegation?.facts],
    ],
  },
  COMPLAINT: {
    forms: ['acceptance', 'mediation', 'result'],
    summary: (b, lang) => [
      [tr(lang, '被投诉方', 'Respondent'), b.respondent?.name],
      [tr(lang, '店铺', 'Store'), b.respondent?.storeName],
      [tr(lang, '商品或服务', 'Goods or service'), b.goodsOrService],
      [tr(lang, '金额（元）', 'Amount (yuan)'), yuan(b.amountFen)],
      [tr(lang, '投诉事实', 'Facts'), b.facts],
    ],
  },
  ASSISTANCE: {
    forms: ['reply'],
    summary: (b, lang) => [
      [tr(lang, '请求方案件编号', "Requester's case number"), b.caseReference],
      [tr(lang, '协查对象', 'Subject'), b.subject?.name],
      [tr(lang, '统一社会信用代码', 'Credit code'), b.subject?.uscc],
      [tr(lang, '店铺', 'Store'), b.subject?.storeName],
      [tr(lang, '平台', 'Platform'), b.subject?.platform],
      [tr(lang, '地址', 'Address'), b.subject?.address],
      [
        tr(lang, '协查事项', 'Questions'),
        ((b.questions ?? []) as { topic?: string; text?: string }[])
          .map((q) => `${word(q.topic, lang)}${tr(lang, '：', ': ')}${q.text ?? ''}`)
          .join(' '),
      ],
      [tr(lang, '法律依据', 'Legal basis'), b.legalBasis],
      [tr(lang, '要求完成日期', 'Requested by'), b.requestedBy],
      [tr(lang, '联系人', 'Contact'), b.contact],
    ],
  },
};

/** Every state of every case kind, each once, for the state filter of the case lists. */
export const CONSOLE_CASE_STATES: readonly string[] = [...new Set(CASE_KINDS.flatMap((k) => CASE_STATES[k]))];
