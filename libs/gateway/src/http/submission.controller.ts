import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { DomainError } from '@xietong/contracts';
import { SubmitMessageCommand, SubmitMessageUseCase, type SubmissionResult } from '@xietong/exchange';

/** URL segment -> business message type. */
const TYPES: Record<string, string> = {
  leads: 'LEAD',
  'case-results': 'CASE_RESULT',
  complaints: 'COMPLAINT',
  'complaint-results': 'COMPLAINT_RESULT',
};

const MAX_BATCH = 1000;

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
  async createMany(@Body() body: unknown, @Headers('content-type') contentType?: string): Promise<{ items: SubmissionResult[] }> {
    requireJson(contentType);
    const items = (body as { items?: unknown } | null)?.items;
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH) {
      throw new DomainError('VALIDATION_FAILED', `field items: expected an array of 1 to ${MAX_BATCH} messages`, 'items');
    }
    const commands = items.map((item, i) => {
      try {
        const { type, ...request } = (item ?? {}) as { type?: unknown };
        return SubmitMessageCommand.from(String(type), request);
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        const field = `items.${i}${e.field ? `.${e.field}` : ''}`;
        throw new DomainError(e.code === 'NOT_FOUND' ? 'VALIDATION_FAILED' : e.code, `items.${i}: ${e.message}`, field);
      }
    });
    return { items: await this.submit.executeMany(commands) };
  }

  @Post(':kind')
  @HttpCode(202)
  async create(@Param('kind') kind: string, @Body() body: unknown, @Headers('content-type') contentType?: string): Promise<SubmissionResult> {
    const type = TYPES[kind];
    if (!type) throw new DomainError('NOT_FOUND', `no such resource /api/v1/${kind}; use one of ${Object.keys(TYPES).join(', ')}`);
    requireJson(contentType);
    return this.submit.execute(SubmitMessageCommand.from(type, body));
  }
}
