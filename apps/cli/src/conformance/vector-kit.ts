import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import { sampleLead, validateBody, type Envelope, type MessageType } from '@xietong/contracts';
import { importSigningKey, signDetached, type KeyPairJwk, type Signer, type SigningAlgorithm } from '@xietong/crypto';
import type { WireCodec } from '@xietong/exchange';
import type { Federation } from '@xietong/federation';

/** Receiver of every vector, and the other members of the test federation. */
export const VECTOR_RECEIVER = '341825';
export const VECTOR_SENDER = '330100';
export const OTHER_MEMBER = '320500';
export const NON_MEMBER = '110000';
export const DAY = 86_400_000;
/** Default evaluation time of the published vectors. */
export const VECTOR_NOW = '2026-11-27T08:00:00.000Z';

/** Expected outcome of one record vector, as every verifier must reach it. */
export type VectorExpectation =
  | {
      outcome: 'ACCEPTED';
      envelope: Record<string, unknown>;
      body: Record<string, unknown>;
      /** COMPLAINT only: the decrypted complainant JWE of the body. */
      complainant?: Record<string, unknown>;
    }
  | { outcome: 'REFUSED'; reasonCode: string };

/** One record vector: the record and the receiver's state when it evaluates it. */
export interface RecordVector {
  name: string;
  description: string;
  receiver: string;
  /** Evaluation time: every verifier takes "now" from here, not from its clock. */
  now: string;
  /** Message ids the receiver has already accepted (for REPLAY). */
  acceptedMessageIds: string[];
  record: { topic: string; key: string; value: string; headers: Record<string, string> };
  expected: VectorExpectation;
}

export interface VectorSet {
  dir: string;
  vectors: RecordVector[];
}

export interface Member {
  id: string;
  signing: (KeyPairJwk & { notBefore: string; notAfter: string })[];
  encryption: KeyPairJwk;
}

export interface Compose {
  type: MessageType;
  body: Record<string, unknown>;
  correlationId: string;
  from?: string;
  to?: string;
  zone?: string;
  causationId?: string;
  createdAt?: Date;
  /** Default: the next id of the sequence. */
  messageId?: string;
}

type Composed = ReturnType<WireCodec['compose']>;

/** What every vector builder composes, signs and adds its record with. */
export interface VectorKit {
  now: Date;
  codec: WireCodec;
  federation: Federation;
  sender: Member;
  receiver: Member;
  senderEd: Signer;
  senderEs: Signer;
  createdAt: Date;
  /** Deterministic message ids, in the order builders ask for them. */
  messageId: () => string;
  compose: (c: Compose) => Composed;
  add: (
    name: string,
    description: string,
    value: Buffer,
    jws: string | undefined,
    correlationId: string,
    expected: VectorExpectation,
    acceptedMessageIds?: string[],
  ) => void;
  refused: (reasonCode: string) => VectorExpectation;
  accepted: (envelope: Envelope, complainant?: Record<string, unknown>) => VectorExpectation;
  signer: (jwk: JWK) => Promise<Signer>;
  key: (m: Member, kid: string) => JWK;
  /** A LEAD to the receiver, the record the refusal vectors break. */
  probe: (correlationId?: string, extra?: Partial<Compose>) => Composed;
  signed: (value: Buffer, s?: Signer) => Promise<string>;
}

/** Adds one or more record vectors; builders run in the order of the published files. */
export type VectorBuilder = (kit: VectorKit) => Promise<void>;

/** The kit for one run: `vectors` collects what the builders add. */
export async function vectorKit(
  {
    now,
    codec,
    federation,
    federationId,
  }: { now: Date; codec: WireCodec; federation: Federation; federationId: string },
  { sender, receiver }: { sender: Member; receiver: Member },
  vectors: RecordVector[],
): Promise<VectorKit> {
  const signer = async (jwk: JWK): Promise<Signer> => ({
    kid: jwk.kid!,
    alg: jwk.alg as SigningAlgorithm,
    key: await importSigningKey(jwk),
  });
  const key = (m: Member, kid: string) => m.signing.find((k) => k.kid === kid)!.privateJwk;
  const senderEd = await signer(key(sender, `${VECTOR_SENDER}-sig-ed`));
  const senderEs = await signer(key(sender, `${VECTOR_SENDER}-sig-es`));
  const createdAt = new Date(now.getTime() - 60_000);
  let sequence = 0;
  const messageId = () => {
    sequence += 1;
    const h = createHash('sha256').update(`conformance-${now.toISOString()}-${sequence}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };

  const compose = (c: Compose) => {
    const body = validateBody(codec.local.latest(c.type).avroType, c.body);
    return codec.compose({
      type: c.type,
      sender: c.from ?? VECTOR_SENDER,
      recipient: c.to ?? VECTOR_RECEIVER,
      zone: c.zone ?? 'yrd',
      correlationId: c.correlationId,
      causationId: c.causationId ?? null,
      messageId: c.messageId ?? messageId(),
      createdAt: c.createdAt ?? createdAt,
      body,
    });
  };
  const add: VectorKit['add'] = (name, description, value, jws, correlationId, expected, acceptedMessageIds = []) => {
    vectors.push({
      name,
      description,
      receiver: VECTOR_RECEIVER,
      now: now.toISOString(),
      acceptedMessageIds,
      record: {
        topic: `${federationId}.inbox.${VECTOR_RECEIVER}`,
        key: correlationId,
        value: value.toString('hex'),
        headers: jws === undefined ? {} : { 'xietong-jws': jws },
      },
      expected,
    });
  };
  const refused = (reasonCode: string): VectorExpectation => ({ outcome: 'REFUSED', reasonCode });
  const accepted = (envelope: Envelope, complainant?: Record<string, unknown>): VectorExpectation => ({
    outcome: 'ACCEPTED',
    envelope: envelopeJson(envelope),
    body: codec.decodeBody(envelope, federation),
    ...(complainant ? { complainant } : {}),
  });
  const probe = (correlationId = 'XS-330100-2026-0099', extra: Partial<Compose> = {}) =>
    compose({ type: 'LEAD', body: sampleLead(correlationId), correlationId, ...extra });
  const signed = async (value: Buffer, s: Signer = senderEd) => signDetached(value, s);
  return {
    now,
    codec,
    federation,
    sender,
    receiver,
    senderEd,
    senderEs,
    createdAt,
    messageId,
    compose,
    add,
    refused,
    accepted,
    signer,
    key,
    probe,
    signed,
  };
}

/** The JSON form of an envelope (docs/wire-format.md): bodySchema and body as lowercase hex. */
export function envelopeJson(e: Envelope): Record<string, unknown> {
  return { ...e, bodySchema: e.bodySchema.toString('hex'), body: e.body.toString('hex') };
}
