import { Controller, Get, Header, Inject } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayConfig } from '@xietong/config';
import { REPORTED_TYPES } from '@xietong/contracts';
import { GATEWAY_CONFIG, Public, Roles } from '@xietong/exchange';
import { CaseRepository, Database, MessageRepository, QuarantineRepository } from '@xietong/persistence';
import { shanghaiDate, WorkingDayCalendar } from '@xietong/workflow';

const PAGE = readFileSync(join(__dirname, 'dashboard.html'), 'utf8');

interface FlowRow {
  sender: string;
  recipient: string;
  type: string;
  n: string | number;
  rejected: string | number;
  failed: string | number;
}

/**
 * The auditor's dashboard: a page (no data in it) that loads the figures from
 * /api/v1/dashboard with the auditor's bearer token.
 */
@Controller()
export class DashboardController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly db: Database,
    private readonly cases: CaseRepository,
    private readonly quarantine: QuarantineRepository,
    private readonly calendar: WorkingDayCalendar,
    private readonly messages: MessageRepository,
  ) {}

  @Get('dashboard')
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
  page(): string {
    return PAGE;
  }

  @Get('api/v1/dashboard')
  @Roles('auditor')
  async data() {
    const today = shanghaiDate(new Date());
    const soon = this.calendar.addWorkingDays(today, 2).due;
    const types = REPORTED_TYPES.map((_, i) => (this.db.dialect === 'postgres' ? `$${i + 1}` : '?')).join(', ');
    const flows = (await this.db.manager.query(
      `SELECT sender, recipient, type, COUNT(*) AS n, SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) AS rejected, SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed FROM message WHERE type IN (${types}) GROUP BY sender, recipient, type ORDER BY sender, recipient, type`,
      [...REPORTED_TYPES],
    )) as FlowRow[];
    const open = (await this.cases.list({ limit: 1000 })).filter((c) => c.dueOn !== null);
    return {
      agency: this.config.agencyId,
      today,
      flows: flows.map((f) => ({
        from: f.sender,
        to: f.recipient,
        type: f.type,
        count: Number(f.n),
        rejected: Number(f.rejected),
        failed: Number(f.failed),
      })),
      failed: (await this.messages.list({ direction: 'out', status: 'failed', limit: 20 })).map((m) => ({
        messageId: m.messageId,
        type: m.type,
        to: m.recipient,
        correlationId: m.correlationId,
        reasonCode: m.reasonCode,
        reason: m.reason,
      })),
      deadlines: open.map((c) => ({
        kind: c.kind,
        caseNo: c.caseNo,
        partner: c.partner,
        role: c.role,
        state: c.state,
        clock: c.clock,
        dueOn: c.dueOn,
        provisional: c.dueProvisional,
        overdue: c.dueOn! < today,
        dueSoon: c.dueOn! >= today && c.dueOn! <= soon,
      })),
      quarantine: {
        counts: await this.quarantine.countsByReason(),
        latest: (await this.quarantine.list(undefined, 20)).map((q) => ({
          id: q.id,
          reasonCode: q.reasonCode,
          reason: q.reason,
          claimedSender: q.claimedSender,
          receivedAt: q.receivedAt,
        })),
      },
    };
  }
}
