import { Controller, Get, Param, Query } from '@nestjs/common';
import { CASE_KINDS, DomainError } from '@xietong/contracts';
import { CaseRepository, MessageRepository, type CaseFilter, type CaseRecord } from '@xietong/persistence';
import { shanghaiDate, shanghaiDayStart } from '@xietong/workflow';
import { CASE_STATE, PAGE, parseQuery, PARTNER, pathParam, Roles } from '@xietong/exchange';

const CASE_QUERY = {
  kind: { kind: 'enum', values: CASE_KINDS },
  state: CASE_STATE,
  partner: PARTNER,
  role: { kind: 'enum', values: ['transferor', 'handler'] },
  riskTier: { kind: 'enum', values: ['KEY', 'WARNING', 'GENERAL'] },
  overdue: { kind: 'bool' },
  from: { kind: 'date' },
  to: { kind: 'date' },
  ...PAGE,
} as const;

/** Open and closed leads, complaints and assistance requests with their state, running clock and due date. */
@Controller('api/v1/cases')
@Roles('submitter', 'handler', 'auditor')
export class CaseController {
  constructor(
    private readonly cases: CaseRepository,
    private readonly messages: MessageRepository,
  ) {}

  @Get()
  async list(@Query() query: unknown) {
    const today = shanghaiDate(new Date());
    const q = parseQuery(query, CASE_QUERY);
    const filter: CaseFilter = {
      kind: q.kind,
      state: q.state,
      partner: q.partner,
      role: q.role,
      riskTier: q.riskTier,
      overdueOn: q.overdue ? today : undefined,
      createdFrom: q.from ? dayStart(q.from, 'from') : undefined,
      createdTo: q.to ? dayStart(q.to, 'to', 1) : undefined,
      limit: q.limit,
      offset: q.offset,
    };
    return { today, items: (await this.cases.list(filter)).map((c) => view(c, today)) };
  }

  @Get(':kind/:caseNo')
  async one(@Param('kind') kind: string, @Param('caseNo') caseNo: string, @Query() query: unknown) {
    const k = oneOf(kind, [...CASE_KINDS], 'kind');
    pathParam(caseNo, 'caseNo');
    // A case is (kind, number, partner): without ?partner= every partner's case of that number.
    const { partner } = parseQuery(query, { partner: PARTNER });
    const found = (await this.cases.find(k!, caseNo)).filter((c) => partner === undefined || c.partner === partner);
    if (found.length === 0) throw new DomainError('NOT_FOUND', `no ${kind.toLowerCase()} ${caseNo}`);
    const today = shanghaiDate(new Date());
    const history = (await this.messages.list({ correlationId: caseNo, partner, limit: 1000 })).reverse();
    return {
      cases: found.map((c) => view(c, today)),
      history: history.map((m) => ({
        messageId: m.messageId,
        direction: m.direction,
        type: m.type,
        sender: m.sender,
        recipient: m.recipient,
        status: m.status,
        reasonCode: m.reasonCode,
        createdAt: m.createdAt,
        receivedAt: m.receivedAt,
        receiptAt: m.receiptAt,
      })),
    };
  }
}

function view(c: CaseRecord, today: string) {
  return { ...c, overdue: c.dueOn !== null && c.dueOn < today };
}

const dayStart = shanghaiDayStart;

function oneOf<T extends string>(v: string | undefined, allowed: T[], name: string): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as string[]).includes(v))
    throw new DomainError('VALIDATION_FAILED', `${name} must be one of ${allowed.join(', ')}`, name);
  return v as T;
}
