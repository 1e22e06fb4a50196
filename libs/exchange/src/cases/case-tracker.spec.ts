import { Test } from '@nestjs/testing';
import { sampleAssistanceReply, sampleAssistanceRequest } from '@xietong/contracts';
import { caseKey, CaseRepository, type CaseRecord } from '@xietong/persistence';
import { DivisionCodes, TimeLimits, WorkingDayCalendar } from '@xietong/workflow';
import type { EntityManager } from 'typeorm';
import { provideValue } from '../tokens';
import { CaseTracker, type CaseEvent } from './case-tracker';

/** The case repository port, in memory. */
class MemoryCases {
  readonly rows = new Map<string, CaseRecord>();
  async load(_em: EntityManager, keys: { kind: string; caseNo: string; partner: string }[]) {
    const out = new Map<string, CaseRecord>();
    for (const k of keys) {
      const r = this.rows.get(caseKey(k));
      if (r) out.set(caseKey(k), r);
    }
    return out;
  }
  async save(_em: EntityManager, rows: CaseRecord[]) {
    for (const r of rows) this.rows.set(caseKey(r), r);
  }
}

const HZ = '330100';
const em = {} as EntityManager;
const calendar = WorkingDayCalendar.load();

/** 协查 at the assisting agency (handler side): the lifecycle and clock as data decide. */
describe('case tracker: assistance requests', () => {
  let cases: MemoryCases;
  let tracker: CaseTracker;
  let n = 0;
  const event = (type: string, direction: 'in' | 'out', body: Record<string, unknown>): CaseEvent => ({
    messageId: `m-${++n}`,
    direction,
    type,
    partner: HZ,
    correlationId: String(body.requestNo),
    body,
    warnings: [],
  });
  // Received on Friday 2026-11-27 (Asia/Shanghai): 15 working days -> 2026-12-18.
  const received = new Date('2026-11-27T02:00:00Z');

  beforeEach(async () => {
    cases = new MemoryCases();
    const module = await Test.createTestingModule({
      providers: [
        CaseTracker,
        provideValue(CaseRepository, cases as unknown as CaseRepository),
        provideValue(TimeLimits, TimeLimits.load(calendar)),
        provideValue(DivisionCodes, DivisionCodes.load()),
      ],
    }).compile();
    tracker = module.get(CaseTracker);
    await tracker.apply(
      em,
      [event('ASSISTANCE_REQUEST', 'in', sampleAssistanceRequest('XC-1', 'L-1', '2026-12-31'))],
      received,
      true,
    );
  });
  const file = () => cases.rows.get(caseKey({ kind: 'ASSISTANCE', caseNo: 'XC-1', partner: HZ }))!;
  const reply = (over: Record<string, unknown>) =>
    event('ASSISTANCE_REPLY', 'out', { ...sampleAssistanceReply('XC-1'), ...over });

  it('opens RECEIVED with the 15-working-day clock from receipt', () => {
    expect(file()).toMatchObject({ role: 'handler', state: 'RECEIVED', clock: 'assistance', dueOn: '2026-12-18' });
  });

  it('extends to the date the reply names when asked before the period ends', async () => {
    const extension = reply({ outcome: 'EXTENSION_REQUESTED', reason: '需调取平台数据', newDueDate: '2027-01-08' });
    await tracker.apply(em, [extension], new Date('2026-12-18T09:00:00Z'), true);
    expect(file()).toMatchObject({ state: 'EXTENDED', clock: 'assistance', dueOn: '2027-01-08' });
    await tracker.apply(em, [reply({})], new Date('2027-01-05T09:00:00Z'), true);
    expect(file()).toMatchObject({ state: 'COMPLETED', clock: null, dueOn: null });
  });

  it('refuses an extension asked after the period ended, and a second extension', async () => {
    const late = reply({ outcome: 'EXTENSION_REQUESTED', reason: 'x', newDueDate: '2027-01-08' });
    await expect(tracker.apply(em, [late], new Date('2026-12-21T02:00:00Z'), true)).rejects.toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      message: expect.stringContaining('was due 2026-12-18; EXTENDED must be asked for before the period ends'),
    });
    expect(file().state).toBe('RECEIVED');
    await tracker.apply(em, [{ ...late, messageId: 'm-ok' }], new Date('2026-12-01T02:00:00Z'), true);
    const again = { ...late, messageId: 'm-again', body: { ...late.body, newDueDate: '2027-01-15' } };
    const refused = await tracker.apply(em, [again], new Date('2026-12-02T02:00:00Z'), false);
    expect(refused.get('m-again')).toMatchObject({ code: 'ILLEGAL_TRANSITION' });
  });

  it('ends PARTIAL, a final state', async () => {
    await tracker.apply(em, [reply({ outcome: 'PARTIAL', reason: '平台拒绝提供' })], received, true);
    expect(file()).toMatchObject({ state: 'PARTIAL', clock: null });
    const more = await tracker.apply(em, [reply({})], received, false);
    expect([...more.values()][0]).toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      message: expect.stringContaining('it is final'),
    });
  });
});
