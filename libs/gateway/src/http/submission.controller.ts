import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { DomainError } from '@xietong/contracts';
import { SubmitMessageCommand, SubmitMessageUseCase, type SubmissionResult } from '@xietong/exchange';
import { CurrentCaller } from '../auth/caller.decorator';
import { requireRole, Roles, type Caller, type Role } from '../auth/roles';

/** URL segment -> business message type. */
const TYPES: Record<string, string> = {
  leads: 'LEAD',
  'case-results': 'CASE_RESULT',
  complaints: 'COMPLAINT',
  'complaint-results': 'COMPLAINT_RESULT',
};

const MAX_BATCH = 1000;

/** Transfers are submitted by intake staff, results by the staff handling the case. */
const ROLE_FOR: Record<string, Role> = {
  LEAD: 'submitter',
  COMPLAINT: 'submitter',
  CASE_RESULT: 'handler',
  COMPLAINT_RESULT: 'handler',
  REMINDER: 'admin',
};

function requireJson(contentType: string | undefined): void {
  if (!contentType?.toLowerCase().startsWith('application/json')) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'send the message as Content-Type: application/json');
  }
}

/** County systems submit business messages here; the gateway signs and delivers them. */
@Controller('api/v1')
export class SubmissionController {
  constructor(private readonly submit: SubmitMessageUseCase) {}

  /** Bulk push: `{ items: [{ type, recipient, body, messageId?, causationId? }] }`, all or none. */
  @Post('batch')
  @HttpCode(202)
  @Roles('submitter', 'handler')
  async createMany(
    @CurrentCaller() caller: Caller,
    @Body() body: unknown,
    @Headers('content-type') contentType?: string,
  ): Promise<{ items: SubmissionResult[] }> {
    requireJson(contentType);
    const items = (body as { items?: unknown } | null)?.items;
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `field items: expected an array of 1 to ${MAX_BATCH} messages`,
        'items',
      );
    }
    const commands = items.map((item, i) => {
      try {
        const { type, ...request } = (item ?? {}) as { type?: unknown };
        const command = SubmitMessageCommand.from(String(type), request);
        requireRole(caller, ROLE_FOR[command.type], `submitting ${command.type}`);
        return command;
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        const field = `items.${i}${e.field ? `.${e.field}` : ''}`;
        throw new DomainError(e.code === 'NOT_FOUND' ? 'VALIDATION_FAILED' : e.code, `items.${i}: ${e.message}`, field);
      }
    });
    return { items: await this.submit.executeMany(commands, undefined, caller.subject) };
  }

  @Post(':kind')
  @HttpCode(202)
  @Roles('submitter', 'handler')
  async create(
    @CurrentCaller() caller: Caller,
    @Param('kind') kind: string,
    @Body() body: unknown,
    @Headers('content-type') contentType?: string,
  ): Promise<SubmissionResult> {
    const type = TYPES[kind];
    if (!type)
      throw new DomainError(
        'NOT_FOUND',
        `no such resource /api/v1/${kind}; use one of ${Object.keys(TYPES).join(', ')}`,
      );
    requireRole(caller, ROLE_FOR[type], `POST /api/v1/${kind}`);
    requireJson(contentType);
    return this.submit.execute(SubmitMessageCommand.from(type, body), caller.subject);
  }
}
