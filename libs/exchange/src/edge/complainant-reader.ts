import { Injectable } from '@nestjs/common';
import { DomainError, ERASED_NOTE, isErased } from '@xietong/contracts';
import { decryptJson } from '@xietong/crypto';
import { LocalKeys } from '../local-keys';
import { AgencyId } from '../tokens';
import { MessageRepository, PersonalDataAccessRepository } from '@xietong/persistence';
import type { Caller } from './roles';
import { counterpart, scopeToPartner } from './case-scope';

/**
 * Decrypts a complainant's personal data for a caller of the handling agency, recording the
 * access (who, which complaint, when, from where) before the data leaves. The API and the
 * console both read it through here, so every access is recorded the same way. A complaint is
 * (number, partner): with two partners using one number the caller names the partner, never the
 * newest of any sender (see scopeToPartner).
 */
@Injectable()
export class ComplainantReader {
  constructor(
    private readonly self: AgencyId,
    private readonly messages: MessageRepository,
    private readonly keys: LocalKeys,
    private readonly access: PersonalDataAccessRepository,
  ) {}

  async read(complaintNo: string, caller: Caller, partner?: string) {
    const found = await this.messages.list({ type: 'COMPLAINT', correlationId: complaintNo, partner, limit: 100 });
    // Newest first: a partner's re-sent complaint replaces its earlier one.
    const [complaint] = scopeToPartner(found, counterpart, partner, `complaint ${complaintNo}`);
    if (complaint.direction !== 'in') {
      throw new DomainError(
        'FORBIDDEN',
        `complaint ${complaintNo} was transferred to ${complaint.recipient}; its personal data is encrypted to that agency only`,
      );
    }
    const jwe = (JSON.parse(complaint.body) as { complainant: string }).complainant;
    // Nothing is decrypted, so nothing is recorded: retention erased it (docs/retention.md).
    if (isErased(jwe))
      return {
        complaintNo,
        partner: complaint.sender,
        handler: this.self,
        complainant: null,
        erased: ERASED_NOTE,
      };
    await this.access.record({
      messageId: complaint.messageId,
      caseNo: complaintNo,
      subject: caller.subject,
      roles: caller.roles.join(','),
      ip: caller.ip,
      accessedAt: new Date(),
    });
    const complainant = await decryptJson<Record<string, unknown>>(jwe, this.keys.decryptionKey);
    return { complaintNo, partner: complaint.sender, handler: this.self, complainant };
  }
}
