import { Injectable } from '@nestjs/common';
import {
  DomainError,
  firstInvalidText,
  isMessageType,
  printable,
  UNKNOWN_TYPE,
  type Envelope,
} from '@xietong/contracts';
import { readDetachedHeader, verifyDetached } from '@xietong/crypto';
import type { Federation } from '@xietong/federation';
import { HEADERS, type InboundRecord } from '@xietong/messaging';
import type { VerificationResult } from './verification-result';
import { AgencyId } from '../tokens';
import { WireCodec } from '../wire-codec';

/**
 * Checks one inbound record in the order a partner's data must pass: envelope bytes,
 * signature header, sender's key and its validity, signature over the exact bytes,
 * recipient, agreement, schema catalog, body. Never throws: every failure is a result.
 */
@Injectable()
export class RecordVerifier {
  constructor(
    private readonly codec: WireCodec,
    private readonly self: AgencyId,
  ) {}

  async verify(record: InboundRecord, federation: Federation, now = new Date()): Promise<VerificationResult> {
    let envelope: Envelope | undefined;
    try {
      // A stand-in for a record of a compressed batch the consumer could not inflate.
      if (record.undecodable !== undefined) throw new DomainError('MALFORMED', record.undecodable);
      if (!record.value || record.value.length === 0) throw new DomainError('MALFORMED', 'record has no value');
      this.codec.learnEnvelopes(federation);
      envelope = assertEnvelopeFields(this.codec.envelope.decode(record.value));
      const jws = record.headers[HEADERS.signature]?.toString('utf8');
      if (!jws) throw new DomainError('SIGNATURE_MISSING', `record has no ${HEADERS.signature} header`);
      const header = readDetachedHeader(jws);
      const createdAt = new Date(envelope.createdAt);
      const { key, entry } = await federation.signingKey(envelope.sender, header.kid, createdAt, now);
      if (entry.alg !== header.alg)
        throw new DomainError(
          'SIGNATURE_INVALID',
          `key ${entry.kid} is registered for ${entry.alg}, the JWS says ${header.alg}`,
        );
      await verifyDetached(jws, record.value, key, header.alg);
      if (envelope.recipient !== this.self) {
        throw new DomainError(
          'WRONG_RECIPIENT',
          `message is addressed to ${envelope.recipient}, this gateway is ${this.self}`,
        );
      }
      if (!this.supports(envelope.type, federation)) {
        throw new DomainError(
          'UNSUPPORTED_TYPE',
          `message type ${(envelope.type as string) === UNKNOWN_TYPE ? `unknown to envelope v${this.codec.envelope.reader.version} (written with v${this.codec.envelope.versionOf(record.value)})` : envelope.type} is not one this gateway accepts`,
        );
      }
      if (!federation.agreement(envelope.zone, envelope.sender, envelope.recipient, envelope.type)) {
        throw new DomainError(
          'NOT_IN_AGREEMENT',
          `no agreement "${envelope.zone}" covers ${envelope.type} from ${envelope.sender} to ${envelope.recipient}`,
        );
      }
      const body = this.codec.decodeBody(envelope, federation);
      const text = firstInvalidText(body);
      if (text) throw new DomainError('MALFORMED', `body field ${text.path}: ${text.problem}`);
      return { ok: true, record, envelope, body, signature: jws, kid: header.kid };
    } catch (e) {
      // The detail can quote what the record holds (its kid, its alg): it goes into the quarantine
      // row, the audit log and a rejection receipt, so nothing in it may be unstorable.
      if (e instanceof DomainError) return { ok: false, record, code: e.code, detail: printable(e.message), envelope };
      const detail = printable(`unreadable record: ${(e as Error).message}`);
      return { ok: false, record, code: 'MALFORMED', detail, envelope };
    }
  }

  /**
   * A type this gateway reads: known to its code, with a local body schema, and declared in this
   * member's capabilities in the manifest (a partner should never have sent anything else).
   */
  private supports(type: string, federation: Federation): boolean {
    if (!isMessageType(type) || !this.codec.local.has(type)) return false;
    const self = federation.member(this.self);
    return !self || federation.accepts(this.self, type).versions.length > 0;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AGENCY = /^\d{6}$/;
// Control characters (NUL above all) cannot be stored in PostgreSQL text columns: refuse them here.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Field limits of the wire format, checked before anything is looked up or stored. */
function assertEnvelopeFields(e: Envelope): Envelope {
  const bad = (what: string) => {
    throw new DomainError('MALFORMED', `envelope ${what}`);
  };
  if (!UUID.test(e.messageId)) bad('messageId is not a UUID');
  if (e.causationId !== null && !UUID.test(e.causationId)) bad('causationId is not a UUID');
  if (!AGENCY.test(e.sender) || !AGENCY.test(e.recipient)) bad('sender and recipient must be six-digit agency ids');
  if (e.zone.length === 0 || e.zone.length > 40 || CONTROL.test(e.zone))
    bad('zone must have 1 to 40 printable characters');
  if (e.correlationId.length === 0 || e.correlationId.length > 64 || CONTROL.test(e.correlationId))
    bad('correlationId must have 1 to 64 printable characters');
  if (Number.isNaN(Date.parse(e.createdAt))) bad('createdAt is not a valid instant');
  return e;
}
