import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { DomainError, messageTypeSpec, specForPath, SUBMITTABLE_SPECS } from '@xietong/contracts';
import {
  type Caller,
  requireRole,
  Roles,
  type SubmissionResult,
  SubmitMessageCommand,
  SubmitMessageUseCase,
} from '@xietong/exchange';
import { CurrentCaller } from '../auth/caller.decorator';

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
        requireRole(caller, messageTypeSpec(command.type).role, `submitting ${command.type}`);
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
    const spec = specForPath(kind);
    if (!spec)
      throw new DomainError(
        'NOT_FOUND',
        `no such resource /api/v1/${kind}; use one of ${SUBMITTABLE_SPECS.map((s) => s.path).join(', ')}`,
      );
    requireRole(caller, spec.role, `POST /api/v1/${kind}`);
    requireJson(contentType);
    return this.submit.execute(SubmitMessageCommand.from(spec.type, body), caller.subject);
  }
}
