import { Test } from '@nestjs/testing';
import { CaseRepository, MessageRepository } from '@xietong/persistence';
import { WorkingDayCalendar } from '@xietong/workflow';
import { provideValue } from '../tokens';
import { MonthlyReport } from './monthly-report';

const HZ = '330100';
const NJ = '320100';

function repos() {
  return {
    messages: {
      partnerCounts: jest.fn(async () => [
        { partner: HZ, direction: 'out', type: 'LEAD', status: 'accepted', n: 5 },
        { partner: HZ, direction: 'out', type: 'LEAD', status: 'rejected', n: 1 },
        { partner: HZ, direction: 'out', type: 'LEAD', status: 'sent', n: 2 },
        { partner: HZ, direction: 'in', type: 'CASE_RESULT', status: 'accepted', n: 3 },
        { partner: NJ, direction: 'in', type: 'LEAD', status: 'accepted', n: 4 },
      ]),
    },
    cases: {
      overdueCounts: jest.fn(async () => [{ partner: HZ, kind: 'LEAD', n: 2 }]),
      feedbackDates: jest.fn(async () => [
        // Mon 2026-11-02 -> Wed 2026-11-04: 2 working days (twice); Mon -> next Mon: 5.
        { partner: HZ, receivedOn: '2026-11-02', feedbackOn: '2026-11-04', n: 2 },
        { partner: HZ, receivedOn: '2026-11-02', feedbackOn: '2026-11-09', n: 1 },
      ]),
    },
  };
}

async function report(r: ReturnType<typeof repos>): Promise<MonthlyReport> {
  const module = await Test.createTestingModule({
    providers: [
      MonthlyReport,
      provideValue(MessageRepository, r.messages as unknown as MessageRepository),
      provideValue(CaseRepository, r.cases as unknown as CaseRepository),
      provideValue(WorkingDayCalendar, WorkingDayCalendar.load()),
    ],
  }).compile();
  return module.get(MonthlyReport);
}

describe('MonthlyReport', () => {
  it('counts per partner and type over the month in Asia/Shanghai, with overdue cases and feedback time', async () => {
    const r = repos();
    const now = new Date('2026-12-10T04:00:00Z');
    const built = await (await report(r)).build('2026-11', now);

    const [from, to] = r.messages.partnerCounts.mock.calls[0] as unknown as [Date, Date];
    expect([from.toISOString(), to.toISOString()]).toEqual(['2026-10-31T16:00:00.000Z', '2026-11-30T16:00:00.000Z']);
    expect(r.cases.feedbackDates).toHaveBeenCalledWith(from, to);
    expect(r.cases.overdueCounts).toHaveBeenCalledWith('2026-12-10');
    expect(built).toEqual({
      month: '2026-11',
      rows: [
        {
          partner: NJ,
          type: 'LEAD',
          sent: 0,
          received: 4,
          accepted: 0,
          rejected: 0,
          overdue: 0,
          avgFeedbackWorkingDays: null,
        },
        {
          partner: HZ,
          type: 'CASE_RESULT',
          sent: 0,
          received: 3,
          accepted: 0,
          rejected: 0,
          overdue: 0,
          avgFeedbackWorkingDays: null,
        },
        {
          partner: HZ,
          type: 'LEAD',
          sent: 8,
          received: 0,
          accepted: 5,
          rejected: 1,
          overdue: 2,
          avgFeedbackWorkingDays: 3,
        },
      ],
    });
    expect(MonthlyReport.csv(built).split('\n')).toEqual([
      'partner,type,sent,received,accepted,rejected,overdue,avg_feedback_working_days',
      '320100,LEAD,0,4,0,0,0,',
      '330100,CASE_RESULT,0,3,0,0,0,',
      '330100,LEAD,8,0,5,1,2,3',
      '',
    ]);
  });

  it.each(['2026-13', '2026-1', 'November', '2026-11-01'])('refuses the month %j, naming the field', async (month) => {
    const r = repos();
    await expect((await report(r)).build(month)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', field: 'month' });
    expect(r.messages.partnerCounts).not.toHaveBeenCalled();
  });
});
