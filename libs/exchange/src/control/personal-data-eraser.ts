import { Injectable } from '@nestjs/common';
import { DomainError } from '@xietong/contracts';
import { PersonalDataErasure } from '../retention/personal-data-erasure';

/** The grounds of an erasure notice (schemas/erasure-notice.v1.avsc, PIPL Art. 47). */
export type ErasureReason =
  'PURPOSE_FULFILLED' | 'RETENTION_EXPIRED' | 'SUBJECT_REQUEST' | 'CONSENT_WITHDRAWN' | 'UNLAWFUL_PROCESSING' | 'OTHER';

/**
 * Port: erases the personal fields of stored messages, as a partner's ERASURE_NOTICE asks. Called
 * before the inbound batch's transaction with the ids of messages this gateway holds and the notice's
 * sender took part in; it must be idempotent (a redelivered notice asks again). A `DomainError`
 * refuses the notice (the sender gets REJECTED with its code); any other error is transient and the
 * batch is retried.
 */
export abstract class PersonalDataEraser {
  abstract erase(messageIds: readonly string[], reason: ErasureReason): Promise<void>;
}

/** The default until an eraser is wired: every notice about messages held here is refused ERASURE_UNSUPPORTED. */
@Injectable()
export class UnsupportedPersonalDataEraser extends PersonalDataEraser {
  erase(messageIds: readonly string[], reason: ErasureReason): Promise<void> {
    return Promise.reject(
      new DomainError(
        'ERASURE_UNSUPPORTED',
        `this gateway cannot erase personal data yet (${messageIds.length} message(s) held, reason ${reason}); ` +
          'ask its operator to erase them by hand',
      ),
    );
  }
}

/**
 * The eraser the gateway runs: each message a partner's notice names is erased as retention erases
 * (libs/exchange/src/retention/personal-data-erasure.ts: the personal fields and the record bytes go,
 * a signed PERSONAL_DATA_ERASED audit entry stays). Idempotent: a message erased before is left as it is.
 */
@Injectable()
export class StoredPersonalDataEraser extends PersonalDataEraser {
  constructor(private readonly erasure: PersonalDataErasure) {
    super();
  }

  async erase(messageIds: readonly string[], reason: ErasureReason): Promise<void> {
    for (const id of messageIds)
      await this.erasure.erasePersonalData(id, `erasure notice: ${reason}`, 'erasure-notice');
  }
}
