import type { Kafka } from 'kafkajs';
import { Test } from '@nestjs/testing';
import { ExchangeMetrics, MonthlyReport, provideValue, type InboundService, type LocalKeys } from '@xietong/exchange';
import type { ManifestStore } from '@xietong/federation';
import {
  AuditRepository,
  CaseRepository,
  Database,
  MessageRepository,
  OutboxRepository,
  QuarantineRepository,
  WebhookRepository,
  RetentionRepository,
  type CaseRecord,
  type MessageRecord,
} from '@xietong/persistence';
import { WorkingDayCalendar } from '@xietong/workflow';
import { countRowsFetched, DIALECTS, freshDatabase } from '@xietong/testing';
import { MetricsController } from '../../libs/gateway/src/http/metrics.controller';
import { AnonymousAccessTally } from '../../libs/gateway/src/http/anonymous-access';

const JD = '341825';
const PARTNERS = ['330100', '320100'];

/**
 * The monthly report and /metrics count in SQL: the rows they read stay the same whether the
 * tables hold 300 or 1,500 cases (they used to load up to 100,000 rows into JS per call). The
 * timing with 200,000 case rows is measured by `npm run bench -- --metrics-scale`.
 */
describe.each(DIALECTS)('reporting aggregates in SQL on %s', (dialect) => {
  let db: Database;
  let messages: MessageRepository;
  let cases: CaseRepository;
  beforeAll(async () => {
    db = await Database.open(freshDatabase(dialect, 'reporting'));
    messages = new MessageRepository(db);
    cases = new CaseRepository(db);
  });
  afterAll(() => db?.close());

  const calendar = WorkingDayCalendar.load();
  const at = (iso: string) => new Date(iso);

  async function seed(from: number, count: number): Promise<void> {
    const caseRows: CaseRecord[] = [];
    const messageRows: MessageRecord[] = [];
    for (let i = from; i < from + count; i++) {
      const partner = PARTNERS[i % 2];
      const caseNo = `JD-REP-${i}`;
      caseRows.push({
        kind: 'LEAD',
        caseNo,
        partner,
        role: 'transferor',
        state: 'RECEIVED',
        riskTier: 'GENERAL',
        subject: null,
        receivedOn: '2026-11-03',
        clock: 'lead-feedback',
        clockStart: '2026-11-03',
        dueOn: '2026-11-20',
        dueProvisional: false,
        reminders: 0,
        lastReminderAt: null,
        flags: null,
        createdAt: at('2026-11-02T02:00:00Z'),
        updatedAt: at('2026-11-02T02:00:00Z'),
      });
      const common = {
        zone: 'yrd',
        correlationId: caseNo,
        causationId: null,
        bodySchema: '00',
        body: '{}',
        reasonCode: null,
        reason: null,
        receiptAt: null,
        signature: null,
        manifestSerial: 1,
      };
      messageRows.push({
        ...common,
        messageId: `00000000-0000-4000-8000-${String(2 * i).padStart(12, '0')}`,
        direction: 'out',
        type: 'LEAD',
        sender: JD,
        recipient: partner,
        createdAt: at('2026-11-02T02:00:00Z'),
        status: i % 3 === 0 ? 'rejected' : 'accepted',
        sentAt: at('2026-11-02T02:00:01Z'),
        receivedAt: null,
      });
      messageRows.push({
        ...common,
        messageId: `00000000-0000-4000-8000-${String(2 * i + 1).padStart(12, '0')}`,
        direction: 'in',
        type: 'CASE_RESULT',
        sender: partner,
        recipient: JD,
        // 23:30 UTC on the 4th is the 5th in Asia/Shanghai: the feedback date is local.
        createdAt: at('2026-11-04T23:30:00Z'),
        status: 'accepted',
        sentAt: null,
        receivedAt: at('2026-11-04T23:30:00Z'),
      });
    }
    await db.transaction(async (em) => {
      await cases.save(em, caseRows);
      await messages.insertMany(em, messageRows);
    });
  }

  function metricsController(): MetricsController {
    const manifests = {
      lastKnown: { member: () => undefined, expiresAt: new Date(Date.now() + 86_400_000) },
    } as unknown as ManifestStore;
    return new MetricsController(
      JD,
      {} as Kafka,
      messages,
      new QuarantineRepository(db),
      new OutboxRepository(db),
      cases,
      manifests,
      { redelivered: 0 } as InboundService,
      new ExchangeMetrics(),
      { signer: { kid: 'k' } } as unknown as LocalKeys,
      new AuditRepository(db),
      new AnonymousAccessTally(),
      new WebhookRepository(db),
      new RetentionRepository(db),
    );
  }

  it('reads as many rows for 1,500 cases as for 300, and counts them all', async () => {
    const report = (
      await Test.createTestingModule({
        providers: [
          MonthlyReport,
          provideValue(MessageRepository, messages),
          provideValue(CaseRepository, cases),
          provideValue(WorkingDayCalendar, calendar),
        ],
      }).compile()
    ).get(MonthlyReport);
    const metrics = metricsController();
    const now = at('2026-12-10T04:00:00Z');
    const fetched = countRowsFetched(db);
    const measure = async () => {
      fetched.reset();
      const r = await report.build('2026-11', now);
      const reportRows = fetched.rows;
      fetched.reset();
      const text = await metrics.metrics();
      return { r, text, reportRows, metricsRows: fetched.rows };
    };
    try {
      await seed(0, 300);
      const small = await measure();
      await seed(300, 1200);
      const large = await measure();

      expect(large.reportRows).toBe(small.reportRows);
      expect(large.metricsRows).toBe(small.metricsRows);
      expect(large.reportRows).toBeLessThanOrEqual(20);
      expect(large.metricsRows).toBeLessThanOrEqual(40);

      const days = calendar.workingDaysBetween('2026-11-03', '2026-11-05');
      expect(days).toBe(2);
      for (const partner of PARTNERS) {
        expect(large.r.rows.find((r) => r.partner === partner && r.type === 'LEAD')).toEqual({
          partner,
          type: 'LEAD',
          sent: 750,
          received: 0,
          accepted: 500,
          rejected: 250,
          overdue: 750,
          avgFeedbackWorkingDays: days,
        });
        expect(large.r.rows.find((r) => r.partner === partner && r.type === 'CASE_RESULT')).toMatchObject({
          received: 750,
          sent: 0,
        });
      }
      expect(large.text).toMatch(/xietong_cases_overdue\{kind="LEAD",agency="341825"\} 1500/);
      expect(large.text).toMatch(
        /xietong_messages\{direction="out",type="LEAD",status="accepted",agency="341825"\} 1000/,
      );
    } finally {
      fetched.stop();
    }
  });
});
