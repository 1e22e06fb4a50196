import { Injectable } from '@nestjs/common';
import { DomainError, type ErrorCode } from '@xietong/contracts';
import { MessageRepository } from '@xietong/persistence';
import type { VerifiedMessage } from '../inbound/verification-result';
import { Logs, type Log } from '../tokens';
import { PersonalDataEraser, type ErasureReason } from './personal-data-eraser';

/** What becomes of one control message before the batch is planned: accepted, or refused with a code. */
export type ControlStep = { ok: true } | { ok: false; code: ErrorCode; detail: string };

interface ErasureNoticeBody {
  caseNo: string;
  messageIds: string[];
  reason: ErasureReason;
}

/**
 * The receiving side of ERASURE_NOTICE: only the sender or the recipient of a message may ask to
 * erase it (ERASURE_NOT_PARTY otherwise); messages this gateway never held need nothing (ACCEPTED:
 * "held none"); the others go to the {@link PersonalDataEraser} port. Run before the batch's
 * transaction, like signature checks; the planner turns each step into a receipt item.
 */
@Injectable()
export class ErasureNotices {
  private readonly log: Log;

  constructor(
    private readonly messages: MessageRepository,
    private readonly eraser: PersonalDataEraser,
    logs: Logs,
  ) {
    this.log = logs('Erasure');
  }

  async prepare(verified: readonly VerifiedMessage[]): Promise<Map<string, ControlStep>> {
    const steps = new Map<string, ControlStep>();
    for (const v of verified) {
      if (v.envelope.type !== 'ERASURE_NOTICE') continue;
      steps.set(v.envelope.messageId, await this.step(v.envelope.sender, v.body as unknown as ErasureNoticeBody));
    }
    return steps;
  }

  private async step(sender: string, body: ErasureNoticeBody): Promise<ControlStep> {
    const held = await this.messages.parties(body.messageIds);
    const foreign = held.filter((m) => m.sender !== sender && m.recipient !== sender).map((m) => m.messageId);
    if (foreign.length > 0)
      return {
        ok: false,
        code: 'ERASURE_NOT_PARTY',
        detail: `${sender} neither sent nor received message(s) ${foreign.join(', ')} of case ${body.caseNo}`,
      };
    if (held.length === 0) return { ok: true };
    try {
      await this.eraser.erase(
        held.map((m) => m.messageId),
        body.reason,
      );
      this.log('log', `erased personal data of ${held.length} message(s) of case ${body.caseNo} at ${sender}'s notice`);
      return { ok: true };
    } catch (e) {
      if (e instanceof DomainError) return { ok: false, code: e.code, detail: e.message };
      throw e;
    }
  }
}
