import { Injectable } from '@nestjs/common';
import { DomainError, type ErrorCode } from '@xietong/contracts';
import { ManifestStore, type Federation } from '@xietong/federation';
import {
  AuditRepository,
  Database,
  MessageRepository,
  OutboxRepository,
  type AuditInput,
  type MessageRecord,
  type Tx,
  type WitnessedCheckpoint,
} from '@xietong/persistence';
import { inboundRow, recordPosition } from '../message-rows';
import type { VerifiedMessage } from '../inbound/verification-result';
import { OutboxSignal } from '../outbound/outbox-signal';
import { composeProtocolMessage, writableVersion, type ComposedMessage } from '../protocol-message';
import { AgencyId, Logs, RecordSigner, type Log } from '../tokens';
import { WireCodec } from '../wire-codec';
import { keyLookup, verifyWitnessed, witnessCheckpoint, type CountersignatureClaim } from './countersignature';

/** Audit entries of the witnessing; each names its witness message, so none counts toward the next checkpoint. */
export const WITNESS_AUDIT_KINDS = {
  /** This gateway queued its signed checkpoint to a partner. */
  checkpointSent: 'CHECKPOINT_SENT',
  /** A partner's checkpoint arrived, verified, and is kept. */
  checkpointReceived: 'CHECKPOINT_RECEIVED',
  /** This gateway queued its countersignature of a partner's checkpoint. */
  countersignatureSent: 'COUNTERSIGNATURE_SENT',
  /** A partner's countersignature of this gateway's checkpoint arrived, verified, and is kept. */
  countersignatureReceived: 'COUNTERSIGNATURE_RECEIVED',
} as const;

/** Audit kinds that record an exchange with a partner: a checkpoint goes to the partners they name. */
export const EXCHANGE_KINDS = ['SUBMITTED', 'RECEIVED', 'RECEIPT_SENT', 'RECEIPT_RECEIVED'] as const;

/** A signed checkpoint of this gateway's chain. */
export interface SignedCheckpoint {
  seq: number;
  hash: string;
  signedAt: Date;
  jws: string;
}

/** What an inbound witness message does, decided before the batch's transaction. */
export type WitnessStep =
  | { ok: false; code: ErrorCode; detail: string }
  | {
      ok: true;
      message: VerifiedMessage;
      /** The pair to keep in audit_witness. */
      witnessed: WitnessedCheckpoint;
      /** The countersignature to send back (witness side), if the sender declares it reads one. */
      reply?: ComposedMessage;
      /** The checkpoint message this countersignature answers (sender side). */
      answers?: string;
    };

const correlationOf = (agency: string, seq: number) => `AUDIT-${agency}-${seq}`;

/**
 * Partners witness each other's audit checkpoints over Kafka (docs/audit.md): after signing a
 * checkpoint, a gateway sends it as AUDIT_CHECKPOINT to each partner it exchanged with since its
 * previous checkpoint and that declares the type in the manifest; the partner checks it against
 * the sender's key, keeps it, and answers AUDIT_COUNTERSIGN, which the sender checks and keeps.
 */
@Injectable()
export class CheckpointWitnessing {
  private readonly log: Log;

  constructor(
    private readonly self: AgencyId,
    private readonly manifests: ManifestStore,
    private readonly codec: WireCodec,
    private readonly db: Database,
    private readonly messages: MessageRepository,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditRepository,
    private readonly signer: RecordSigner,
    private readonly signal: OutboxSignal,
    logs: Logs,
  ) {
    this.log = logs('Witness');
  }

  /**
   * Stores a freshly signed checkpoint and, in the same transaction, queues it to the partners
   * named by exchanges after `previousSeq`. Returns the partners it was queued to. Witnessing never
   * costs the checkpoint: without a usable manifest the checkpoint is stored alone. A checkpoint
   * already stored at that entry (another process signed it first) is kept and not sent again.
   */
  async store(checkpoint: SignedCheckpoint, previousSeq: number, now = new Date()): Promise<string[]> {
    let federation: Federation | undefined;
    try {
      federation = this.manifests.federation;
    } catch (e) {
      this.log('warn', `checkpoint ${checkpoint.seq} not sent to partners: ${(e as Error).message}`);
    }
    const partners = federation ? await this.witnessesFor(federation, previousSeq, checkpoint.seq) : [];
    const outgoing = partners.flatMap((to) => {
      const m = composeProtocolMessage(this.codec, federation!, {
        type: 'AUDIT_CHECKPOINT',
        self: this.self,
        to,
        body: { seq: checkpoint.seq, hash: checkpoint.hash, checkpoint: checkpoint.jws },
        correlationId: correlationOf(this.self, checkpoint.seq),
        causationId: null,
        now,
      });
      return m ? [m] : [];
    });
    const sent = await this.db.transaction(async (em) => {
      if (!(await this.audit.saveCheckpoint(checkpoint, em))) return [];
      await this.queue(em, outgoing, now, (m) => ({
        kind: WITNESS_AUDIT_KINDS.checkpointSent,
        actor: 'scheduler',
        messageId: m.row.messageId,
        partner: m.row.recipient,
        detail: { type: 'AUDIT_CHECKPOINT', seq: checkpoint.seq, hash: checkpoint.hash, zone: m.row.zone },
        occurredAt: now,
      }));
      return outgoing;
    });
    if (sent.length > 0) this.signal.notify();
    return sent.map((m) => m.row.recipient);
  }

  /**
   * Partners that exchanged with this gateway in (previousSeq, seq] and can witness: they declare
   * AUDIT_CHECKPOINT, and this gateway declares AUDIT_COUNTERSIGN (it could not read the answer otherwise).
   * A period without exchanges (only local entries: personal data decrypted, API access) is witnessed
   * too, by one partner sharing an agreement, in turn by seq, so no stretch of the chain goes unwitnessed.
   */
  private async witnessesFor(federation: Federation, previousSeq: number, seq: number): Promise<string[]> {
    if (!federation.member(this.self) || federation.accepts(this.self, 'AUDIT_COUNTERSIGN').versions.length === 0)
      return [];
    const canWitness = (p: string) =>
      p !== this.self &&
      federation.member(p) !== undefined &&
      writableVersion(this.codec, federation, p, 'AUDIT_CHECKPOINT') !== undefined;
    const exchanged = (await this.audit.partnersBetween(previousSeq, seq, EXCHANGE_KINDS)).filter(canWitness);
    if (exchanged.length > 0) return exchanged;
    const partners = federation.partners(this.self).filter(canWitness).sort();
    return partners.length > 0 ? [partners[seq % partners.length]] : [];
  }

  /**
   * Checks each witness message of a batch before its transaction: a partner's checkpoint is
   * verified with the partner's key from the manifest and countersigned; a countersignature of one
   * of this gateway's checkpoints is verified with the witness's key. Keyed by messageId.
   */
  async prepare(verified: VerifiedMessage[], federation: Federation, now: Date): Promise<Map<string, WitnessStep>> {
    const steps = new Map<string, WitnessStep>();
    for (const v of verified) {
      const { type, sender, messageId } = v.envelope;
      if (type !== 'AUDIT_CHECKPOINT' && type !== 'AUDIT_COUNTERSIGN') continue;
      // What this gateway holds at that entry; a database failure fails the batch (it is retried),
      // only the message's own content can refuse it.
      const seq = Number((v.body as { seq: number }).seq);
      const held =
        type === 'AUDIT_CHECKPOINT'
          ? await this.audit.witnessedAt(sender, seq, this.self)
          : await this.audit.checkpointAt(seq);
      try {
        steps.set(
          messageId,
          type === 'AUDIT_CHECKPOINT'
            ? await this.witness(v, federation, now, held as WitnessedCheckpoint | undefined)
            : await this.countersigned(v, federation, held as SignedCheckpoint | undefined),
        );
      } catch (e) {
        const error = e instanceof DomainError ? e : new DomainError('MALFORMED', (e as Error).message);
        if (error.code === 'CHECKPOINT_CONFLICT') this.log('error', error.message);
        steps.set(messageId, { ok: false, code: error.code, detail: error.message });
      }
    }
    return steps;
  }

  /** Witness side: the partner's checkpoint, verified and countersigned, and the answer to send. */
  private async witness(
    v: VerifiedMessage,
    federation: Federation,
    now: Date,
    earlier: WitnessedCheckpoint | undefined,
  ): Promise<WitnessStep> {
    const body = v.body as { seq: number; hash: string; checkpoint: string };
    const sender = v.envelope.sender;
    const witnessed = await witnessCheckpoint(
      body.checkpoint,
      { ...this.signer, agency: this.self },
      keyLookup(federation),
      now,
    );
    if (witnessed.agency !== sender)
      throw new DomainError('MALFORMED', `${sender} sent a checkpoint of ${witnessed.agency}'s chain`);
    if (witnessed.seq !== Number(body.seq) || witnessed.hash !== body.hash)
      throw new DomainError('MALFORMED', `the body's seq and hash differ from the signed checkpoint's`);
    if (earlier && earlier.hash !== witnessed.hash)
      throw new DomainError(
        'CHECKPOINT_CONFLICT',
        `${sender} signed entry ${witnessed.seq} of its chain with hash ${witnessed.hash}, but this gateway witnessed ${earlier.hash} there on ${earlier.witnessedAt.toISOString()}: its chain was rewritten`,
      );
    const reply = composeProtocolMessage(this.codec, federation, {
      type: 'AUDIT_COUNTERSIGN',
      self: this.self,
      to: sender,
      body: { seq: witnessed.seq, hash: witnessed.hash, countersignature: witnessed.countersignature },
      correlationId: v.envelope.correlationId,
      causationId: v.envelope.messageId,
      now,
    });
    return { ok: true, message: v, witnessed, reply };
  }

  /** Sender side: a partner's countersignature must cover exactly the checkpoint this gateway signed at that seq. */
  private async countersigned(
    v: VerifiedMessage,
    federation: Federation,
    own: SignedCheckpoint | undefined,
  ): Promise<WitnessStep> {
    const body = v.body as { seq: number; hash: string; countersignature: string };
    if (!own || own.hash !== body.hash)
      throw new DomainError(
        'MALFORMED',
        `${v.envelope.sender} countersigned checkpoint ${body.seq} with hash ${body.hash}, which this gateway never signed`,
      );
    let claim: Partial<CountersignatureClaim>;
    try {
      claim = JSON.parse(
        Buffer.from(body.countersignature.split('.')[1] ?? '', 'base64url').toString('utf8'),
      ) as CountersignatureClaim;
    } catch {
      throw new DomainError('MALFORMED', 'the countersignature is not a compact JWS over a JSON claim');
    }
    const witnessed: WitnessedCheckpoint = {
      agency: this.self,
      seq: own.seq,
      hash: own.hash,
      signedAt: own.signedAt,
      checkpoint: own.jws,
      witness: v.envelope.sender,
      witnessedAt: new Date(String(claim.witnessedAt)),
      countersignature: body.countersignature,
    };
    if (Number.isNaN(witnessed.witnessedAt.getTime()))
      throw new DomainError('MALFORMED', 'the countersignature has no valid witnessedAt');
    // Both signatures, and that the countersignature is the sender's over this very checkpoint JWS.
    await verifyWitnessed(witnessed, keyLookup(federation));
    return { ok: true, message: v, witnessed, answers: v.envelope.causationId ?? undefined };
  }

  /**
   * Stores what {@link prepare} decided for the witness messages of a batch, in its transaction:
   * the messages, the witnessed pairs, the countersignatures to send, the checkpoint messages they
   * answer marked accepted, and their audit entries. Returns how many messages it queued.
   */
  async persist(em: Tx, steps: Extract<WitnessStep, { ok: true }>[], serial: number, now: Date): Promise<number> {
    if (steps.length === 0) return 0;
    const received = steps.map((s) =>
      inboundRow(
        s.message.envelope,
        s.message.body,
        s.message.signature,
        serial,
        now,
        s.message.record.value,
        recordPosition(s.message.record),
      ),
    );
    await this.messages.insertMany(em, received);
    await this.audit.saveWitnessed(
      steps.map((s) => s.witnessed),
      em,
    );
    const answered = steps.filter((s) => s.answers);
    await this.messages.applyReceipts(
      em,
      answered.map((s) => ({
        messageId: s.answers!,
        sender: s.message.envelope.sender,
        status: 'accepted',
        reasonCode: null,
        reason: null,
      })),
      now,
    );
    await this.audit.append(
      em,
      steps.map((s) => ({
        kind:
          s.message.envelope.type === 'AUDIT_CHECKPOINT'
            ? WITNESS_AUDIT_KINDS.checkpointReceived
            : WITNESS_AUDIT_KINDS.countersignatureReceived,
        actor: 'inbound',
        messageId: s.message.envelope.messageId,
        partner: s.message.envelope.sender,
        detail: {
          type: s.message.envelope.type,
          agency: s.witnessed.agency,
          seq: s.witnessed.seq,
          hash: s.witnessed.hash,
          witness: s.witnessed.witness,
          kid: s.message.kid,
          manifestSerial: serial,
        },
        occurredAt: now,
      })),
    );
    const replies = steps.flatMap((s) => (s.reply ? [{ reply: s.reply, step: s }] : []));
    await this.queue(
      em,
      replies.map((r) => r.reply),
      now,
      (m) => ({
        kind: WITNESS_AUDIT_KINDS.countersignatureSent,
        actor: 'inbound',
        messageId: m.row.messageId,
        partner: m.row.recipient,
        detail: {
          type: 'AUDIT_COUNTERSIGN',
          agency: m.row.recipient,
          seq: replies.find((r) => r.reply === m)!.step.witnessed.seq,
          causationId: m.row.causationId,
        },
        occurredAt: now,
      }),
    );
    return replies.length;
  }

  private async queue(
    em: Tx,
    outgoing: ComposedMessage[],
    now: Date,
    entry: (m: ComposedMessage) => AuditInput,
  ): Promise<void> {
    if (outgoing.length === 0) return;
    await this.messages.insertMany(
      em,
      outgoing.map((m): MessageRecord => m.row),
    );
    await this.outbox.insertMany(
      em,
      outgoing.map((m) => m.outbox),
      now,
    );
    await this.audit.append(em, outgoing.map(entry));
  }
}
