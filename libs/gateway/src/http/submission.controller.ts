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

/** County systems submit business messages here; the gateway signs and delivers them. */
@Controller('api/v1')
export class SubmissionController {
  constructor(private readonly submit: SubmitMessageUseCase) {}

  @Post(':kind')
  @HttpCode(202)
  async create(@Param('kind') kind: string, @Body() body: unknown, @Headers('content-type') contentType?: string): Promise<SubmissionResult> {
    const type = TYPES[kind];
    if (!type) throw new DomainError('NOT_FOUND', `no such resource /api/v1/${kind}; use one of ${Object.keys(TYPES).join(', ')}`);
    if (!contentType?.toLowerCase().startsWith('application/json')) {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'send the message as Content-Type: application/json');
    }
    return this.submit.execute(SubmitMessageCommand.from(type, body));
  }
}
