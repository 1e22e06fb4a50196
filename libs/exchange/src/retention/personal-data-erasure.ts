import { Injectable } from '@nestjs/common';
import { DomainError, isMessageType, messageTypeSpec } from '@xietong/contracts';
import { AuditRepository, Database, RetentionRepository } from '@xietong/persistence';
import { signClaim } from '../audit/checkpoint-signature';
import { AgencyId, RecordSigner } from '../tokens';
import {
  ERASURE_TYPE,
  eraseFields,
  PERSONAL_DATA_ERASED,
  sha256,
  storedColumnsDigest,
  type ErasureClaim,
} from './erasure-claim';

/** What erasing one message did. */
export interface ErasureOutcome {
  messageId: string;
  /** False when the message had been erased before (nothing changed). */
  erased: boolean;
  /** Personal-data fields removed from the body. */
  fields: string[];
  /** Other copies of the record deleted with it (quarantine, outbox). */
  copies: number;
}

/**
 * Erases the personal data of one stored message, in one transaction: the personal fields of the
 * body become the erased marker, the signed record bytes (which hold the JWE) are dropped with any
 * other copy of the record, and a PERSONAL_DATA_ERASED audit entry carries the gateway's signed
 * {@link ErasureClaim}. `audit verify` accepts the row exactly as that claim describes it.
 * The retention worker calls it for cases whose purpose is fulfilled; a partner's erasure notice
 * can call it for one message.
 */
@Injectable()
export class PersonalDataErasure {
  constructor(
    private readonly db: Database,
    private readonly retention: RetentionRepository,
    private readonly audit: AuditRepository,
    private readonly agency: AgencyId,
    private readonly signer: RecordSigner,
  ) {}

  /** NOT_FOUND when this gateway holds no such message; erasing twice changes nothing. */
  async erasePersonalData(messageId: string, reason: string, actor = 'retention'): Promise<ErasureOutcome> {
    return this.db.transaction(async (em) => {
      const row = await this.retention.lockForErasure(em, messageId);
      if (!row) throw new DomainError('NOT_FOUND', `no message ${messageId}`);
      if (row.erasedAt) return { messageId, erased: false, fields: [], copies: 0 };
      const at = new Date();
      const fields = isMessageType(row.type) ? messageTypeSpec(row.type).personalData : [];
      const { body, removed } = eraseFields(row.derived.body, fields);
      const after = { ...row, value: null, derived: { ...row.derived, body } };
      const claim: ErasureClaim = {
        agency: this.agency,
        messageId,
        type: row.type,
        sender: row.sender,
        recipient: row.recipient,
        correlationId: row.derived.correlationId,
        reason,
        erasedAt: at.toISOString(),
        removed,
        record: row.value ? sha256(row.value) : null,
        signature: row.signature || null,
        columns: storedColumnsDigest(after),
      };
      const jws = await signClaim(claim, this.signer, ERASURE_TYPE);
      const copies = await this.retention.markErased(em, messageId, body, at);
      await this.audit.append(em, [
        {
          kind: PERSONAL_DATA_ERASED,
          actor,
          messageId,
          caseNo: row.derived.correlationId,
          partner: row.direction === 'out' ? row.recipient : row.sender,
          detail: { claim, jws, copies },
          occurredAt: at,
        },
      ]);
      return { messageId, erased: true, fields: Object.keys(removed), copies };
    });
  }
}
