import type { DomainError } from '@xietong/contracts';
import { fieldName, tr, word, type Lang } from './labels';

type Rule = [pattern: RegExp, zh: (m: RegExpExecArray) => string, en: (m: RegExpExecArray) => string];

const words = (list: string, lang: Lang) =>
  list
    .split(', ')
    .map((s) => word(s, lang))
    .join(lang === 'zh' ? '、' : ', ');

/**
 * The problems body validation names (libs/contracts body-validation.ts, the submit command's
 * checks, the form's own parsing), after `field <path>: `: what a person filling the form reads,
 * in Chinese and in English. The first matching rule wins; the last ones are the catch-alls.
 */
const RULES: Rule[] = [
  [/^expected .*, missing$/, () => '必填，请填写', () => 'required'],
  [
    /^expected one of (.+), got (.*)$/,
    (m) => `应为以下之一：${words(m[1], 'zh')}`,
    (m) => `must be one of ${words(m[1], 'en')}`,
  ],
  [/^expected a date YYYY-MM-DD/, () => '应为日期（年-月-日）', () => 'must be a date (YYYY-MM-DD)'],
  [/^expected an ISO-8601 timestamp|^expected a date and time/, () => '应为日期时间', () => 'must be a date and time'],
  [/^expected a UUID/, () => '应为 UUID', () => 'must be a UUID'],
  [/^expected a six-digit agency id/, () => '应为六位机构代码', () => 'must be a six-digit agency code'],
  [
    /^expected 1 to 64 printable characters/,
    () => '应为 1 至 64 个可打印字符',
    () => 'must be 1 to 64 printable characters',
  ],
  [
    /^expected an amount in yuan/,
    () => '应为不超过两位小数的金额（元）',
    () => 'must be an amount in yuan with at most two decimals',
  ],
  [/^an amount of money must be 0 or more/, () => '金额不能为负数', () => 'must not be negative'],
  [/^control characters are not accepted/, () => '不能包含控制字符', () => 'must not contain control characters'],
  [/^ill-formed Unicode/, () => '包含无法编码的字符', () => 'contains characters that cannot be encoded'],
  [
    /^required with (\S+) (\S+)/,
    (m) => `${fieldName(`body.${m[1]}`, 'zh')}为“${word(m[2], 'zh')}”时必填`,
    (m) => `required when ${fieldName(`body.${m[1]}`, 'en')} is ${word(m[2], 'en')}`,
  ],
  [/^expected a (non-empty )?string/, () => '应为文字', () => 'must be text'],
  [/^expected (?:int|long)\b/, () => '应为整数', () => 'must be a whole number'],
  [/^expected (?:double|float)\b/, () => '应为数字', () => 'must be a number'],
  [/^expected (.+), got (.*)$/, (m) => `格式不正确（收到 ${m[2]}）`, (m) => `must be ${m[1]} (got ${m[2]})`],
];

/** Problems named without a `field …:` prefix. */
const WHOLE: Rule[] = [
  [/^unknown field /, () => '不是此报文的字段', () => 'is not a field of this message'],
  [
    /^a lead with jurisdictionBasis DESIGNATED needs/,
    () => '指定管辖时须选择接收机构',
    () => 'a designated lead needs its recipient',
  ],
  [/^body must be a JSON object/, () => '报文内容应为对象', () => 'must be an object'],
];

/** What other refusals of a submitted form mean, before the detail the exchange gives. */
const CODES: Record<string, readonly [zh: string, en: string]> = {
  NO_JURISDICTION: ['没有对此有管辖权的成员机构', 'no member agency has jurisdiction'],
  UNKNOWN_RECIPIENT: ['接收机构不是本区域成员', 'the recipient is not a member of the zone'],
  NOT_IN_AGREEMENT: ['与该机构没有此类报文的共享协议', 'no agreement with that agency covers this message'],
  ILLEGAL_TRANSITION: ['案件当前状态不允许此操作', "the case's state does not allow this"],
  UNKNOWN_CASE: ['对方没有此案件', 'the partner has no such case'],
};

/**
 * The message a console form shows for a refused submission: the field by its label in the
 * page's language, and what is wrong with it in that language.
 */
export function formErrorMessage(e: DomainError, lang: Lang): string {
  const sep = tr(lang, '：', ': ');
  const label = fieldName(e.field || undefined, lang);
  if (e.code !== 'VALIDATION_FAILED') {
    const meaning = CODES[e.code];
    return meaning
      ? `${meaning[lang === 'zh' ? 0 : 1]}${tr(lang, '（', ' (')}${e.message}${tr(lang, '）', ')')}`
      : e.message;
  }
  const prefix = /^field [^:]+: /.exec(e.message);
  const problem = prefix ? e.message.slice(prefix[0].length) : e.message;
  for (const [re, zh, en] of prefix ? RULES : WHOLE) {
    const m = re.exec(problem);
    if (m) return `${label}${sep}${lang === 'zh' ? zh(m) : en(m)}`;
  }
  return `${label}${sep}${problem}`;
}
