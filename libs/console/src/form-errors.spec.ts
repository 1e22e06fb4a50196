import { join } from 'node:path';
import { DomainError, sampleLead, SchemaCatalog, validateBody } from '@xietong/contracts';
import { formErrorMessage } from './form-errors';

const catalog = SchemaCatalog.fromDirectory(join(__dirname, '../../../schemas'));
const HAN = /\p{Script=Han}/u;

/** The refusal body validation gives for a lead body, with the path as the submit path names it. */
function refusal(body: Record<string, unknown>): DomainError {
  try {
    validateBody(catalog.latest('LEAD').avroType, body);
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    // As SubmitMessageUseCase reports it: paths below `body.`.
    return new DomainError(e.code, e.message.replace(/^field /, 'field body.'), `body.${e.field}`);
  }
  throw new Error('the body was valid');
}

const lead = () => sampleLead('JD-FORM-1') as Record<string, any>;

describe('form error messages', () => {
  it('names a missing store name by its Chinese label, with no English left in it', () => {
    const body = lead();
    delete body.subject.storeName;
    const e = refusal(body);
    expect(e.message).toBe('field body.subject.storeName: expected string, missing');
    expect(formErrorMessage(e, 'zh')).toBe('店铺名称：必填，请填写');
  });

  it('says the same in English on an English page, without Han characters', () => {
    const body = lead();
    delete body.subject.storeName;
    const message = formErrorMessage(refusal(body), 'en');
    expect(message).toBe('store name: required');
    expect(message).not.toMatch(HAN);
  });

  it('lists the allowed symbols of an enum by their labels', () => {
    const e = refusal({ ...lead(), riskTier: 'HIGH' });
    expect(formErrorMessage(e, 'zh')).toBe('风险等级：应为以下之一：重点监控、警告、一般监控');
    expect(formErrorMessage(e, 'en')).toBe('risk tier: must be one of key, warning, general');
  });

  it('explains a malformed date, control characters and a negative amount', () => {
    const date = new DomainError(
      'VALIDATION_FAILED',
      'field body.replyDue: expected a date YYYY-MM-DD, got "x"',
      'body.replyDue',
    );
    expect(formErrorMessage(date, 'zh')).toBe('要求反馈日期：应为日期（年-月-日）');
    expect(formErrorMessage(date, 'en')).toBe('reply due: must be a date (YYYY-MM-DD)');
    const control = refusal({ ...lead(), leadNo: 'JD\u0001' });
    expect(formErrorMessage(control, 'zh')).toBe('线索编号：不能包含控制字符');
    const negative = new DomainError(
      'VALIDATION_FAILED',
      'field body.disposal.fineFen: an amount of money must be 0 or more',
      'body.disposal.fineFen',
    );
    expect(formErrorMessage(negative, 'zh')).toBe('罚款金额：金额不能为负数');
  });

  it('names the condition of a field required with another', () => {
    const e = new DomainError(
      'VALIDATION_FAILED',
      'field body.feedback.caseNo: required with feedback.status CASE_OPENED',
      'body.feedback.caseNo',
    );
    expect(formErrorMessage(e, 'zh')).toBe('立案编号：核查结论为“已立案”时必填');
    expect(formErrorMessage(e, 'en')).toBe('case number: required when verification status is case opened');
  });

  it('puts the meaning of a refusal by code before its detail', () => {
    const e = new DomainError('NO_JURISDICTION', 'no member has jurisdiction over 110105');
    expect(formErrorMessage(e, 'zh')).toBe('没有对此有管辖权的成员机构（no member has jurisdiction over 110105）');
    expect(formErrorMessage(e, 'en')).toBe(
      'no member agency has jurisdiction (no member has jurisdiction over 110105)',
    );
  });
});
