import { CASE_KINDS, type CaseKindName } from '@xietong/contracts';
import { CASE_STATES } from '@xietong/workflow';
import { word, type Lang } from './labels';
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
      ['店铺', b.subject?.storeName],
      ['经营者', b.subject?.operatorName],
      ['平台', b.subject?.platformName],
      ['违法类别', word(b.allegation?.category, lang)],
      ['风险等级', word(b.riskTier, lang)],
      ['线索来源', word(b.source, lang)],
      ['涉嫌违法事实', b.allegation?.facts],
    ],
  },
  COMPLAINT: {
    forms: ['acceptance', 'mediation', 'result'],
    summary: (b) => [
      ['被投诉方', b.respondent?.name],
      ['店铺', b.respondent?.storeName],
      ['商品或服务', b.goodsOrService],
      ['金额（元）', yuan(b.amountFen)],
      ['投诉事实', b.facts],
    ],
  },
  ASSISTANCE: {
    forms: ['reply'],
    summary: (b, lang) => [
      ['请求方案件编号', b.caseReference],
      ['协查对象', b.subject?.name],
      ['统一社会信用代码', b.subject?.uscc],
      ['店铺', b.subject?.storeName],
      ['平台', b.subject?.platform],
      ['地址', b.subject?.address],
      [
        '协查事项',
        ((b.questions ?? []) as { topic?: string; text?: string }[])
          .map((q) => `${word(q.topic, lang)}：${q.text ?? ''}`)
          .join(' '),
      ],
      ['法律依据', b.legalBasis],
      ['要求完成日期', b.requestedBy],
      ['联系人', b.contact],
    ],
  },
};

/** Every state of every case kind, each once, for the state filter of the case lists. */
export const CONSOLE_CASE_STATES: readonly string[] = [...new Set(CASE_KINDS.flatMap((k) => CASE_STATES[k]))];
