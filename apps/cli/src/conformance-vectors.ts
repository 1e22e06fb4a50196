import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { repoRoot } from '@xietong/config';
import {
  SchemaCatalog,
  sampleAssistanceReply,
  sampleAssistanceRequest,
  sampleComplaint,
  sampleComplaintResult,
  sampleFeedback,
  sampleLead,
  validateBody,
  type Envelope,
  type MessageType,
} from '@xietong/contracts';
import {
  encryptJson,
  generateEncryptionKey,
  generateSigningKey,
  importKey,
  importSigningKey,
  publicPart,
  signatureOver,
  signDetached,
  type KeyPairJwk,
  type Signer,
  type SigningAlgorithm,
} from '@xietong/crypto';
import { keyLookup, signCheckpoint, WireCodec, witnessCheckpoint } from '@xietong/exchange';
import {
  buildManifest,
  Federation,
  federationFiles,
  signManifest,
  type ManifestAgreement,
  type MemberKeys,
} from '@xietong/federation';

/** Receiver of every vector, and the other members of the test federation. */
export const VECTOR_RECEIVER = '341825';
export const VECTOR_SENDER = '330100';
const OTHER_MEMBER = '320500';
const NON_MEMBER = '110000';
const DAY = 86_400_000;
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

interface Member {
  id: string;
  signing: (KeyPairJwk & { notBefore: string; notAfter: string })[];
  encryption: KeyPairJwk;
}

/**
 * Writes the conformance vectors of conformance/README.md into `out`: a federation (zone
 * authority, members' keys, signed manifest, in the layout of `federation init`, so a gateway
 * can run on it), one valid signed record per message type and one record per refusal reason of
 * docs/wire-format.md, each as a JSON file with its expected outcome. Keys are new on every run.
 */
export async function writeConformanceVectors(
  out: string,
  { now = new Date(VECTOR_NOW), federation: federationId = 'xietong' }: { now?: Date; federation?: string } = {},
): Promise<VectorSet> {
  const schemas = join(repoRoot(), 'schemas');
  const codec = new WireCodec(schemas);
  const catalog = SchemaCatalog.fromDirectory(schemas);
  const at = (days: number) => new Date(now.getTime() + days * DAY).toISOString();
  const valid = { notBefore: at(-30), notAfter: at(365) };

  const member = async (
    id: string,
    ...extra: [SigningAlgorithm, string, { notBefore: string; notAfter: string }][]
  ) => {
    const signing = [{ ...(await generateSigningKey('EdDSA', `${id}-sig-ed`)), ...valid }];
    for (const [alg, kid, window] of extra) signing.push({ ...(await generateSigningKey(alg, kid)), ...window });
    return { id, signing, encryption: await generateEncryptionKey(`${id}-enc-1`) } satisfies Member;
  };
  const sender = await member(
    VECTOR_SENDER,
    ['ES256', `${VECTOR_SENDER}-sig-es`, valid],
    ['EdDSA', `${VECTOR_SENDER}-sig-old`, { notBefore: at(-400), notAfter: at(-30) }],
  );
  const receiver = await member(VECTOR_RECEIVER);
  const other = await member(OTHER_MEMBER);
  const members: Member[] = [sender, receiver, other];
  const agreements: ManifestAgreement[] = [
    {
      id: 'yrd',
      name: '长三角',
      members: ['310000', '320000', '330000', '340000'],
      messageTypes: [
        'LEAD',
        'CASE_RESULT',
        'COMPLAINT',
        'COMPLAINT_RESULT',
        'REMINDER',
        'ASSISTANCE_REQUEST',
        'ASSISTANCE_REPLY',
      ],
    },
    { id: 'leads-only', name: '线索协查', members: [VECTOR_SENDER, VECTOR_RECEIVER], messageTypes: ['LEAD'] },
  ];
  const authority = await generateSigningKey('EdDSA', 'authority-conformance');
  const manifest = buildManifest({
    serial: 1,
    issuer: 'zone-authority',
    issuedAt: new Date(now.getTime() - DAY),
    validDays: 366,
    members: members as MemberKeys[],
    zones: {
      version: 'conformance',
      divisions: { '330100': '杭州市', '341825': '旌德县', '320500': '苏州市' },
      zones: agreements,
    },
    catalog,
    agreements,
    federation: federationId,
    // The receiver takes 协查 requests but declares no replies: a reply is UNSUPPORTED_TYPE.
    capabilities: {
      [VECTOR_RECEIVER]: {
        envelopes: catalog.envelopeVersions(),
        messageTypes: Object.fromEntries(
          Object.entries(catalog.typeVersions()).filter(([t]) => t !== 'ASSISTANCE_REPLY'),
        ) as Record<string, number[]>,
      },
    },
  });
  const manifestJws = await signManifest(manifest, authority.privateJwk);
  const federation = new Federation(manifest);

  rmSync(out, { recursive: true, force: true });
  const fedDir = join(out, 'federation');
  const files = federationFiles(fedDir);
  mkdirSync(join(fedDir, 'keys'), { recursive: true });
  mkdirSync(join(fedDir, 'auth'), { recursive: true });
  mkdirSync(join(out, 'records'), { recursive: true });
  const json = (file: string, value: unknown) => writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
  json(files.authorityPublic, publicPart(authority.privateJwk));
  writeFileSync(files.manifest, manifestJws + '\n');
  for (const m of members) {
    // The layout of `federation init` (one key each, for a gateway) plus every key by kid.
    json(files.signingKey(m.id), m.signing[0].privateJwk);
    json(files.encryptionKey(m.id), m.encryption.privateJwk);
    for (const k of m.signing) json(join(fedDir, 'keys', `${k.kid}.private.jwk.json`), k.privateJwk);
    const issuer = await generateSigningKey('ES256', `${m.id}-idp-1`);
    json(files.authIssuerKey(m.id), issuer.privateJwk);
    json(files.authJwks(m.id), { keys: [issuer.publicJwk] });
  }
  for (const f of readdirSync(schemas).filter((n) => /^envelope\.v\d+\.avsc$/.test(n)))
    copyFileSync(join(schemas, f), join(out, f));

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

  interface Compose {
    type: MessageType;
    body: Record<string, unknown>;
    correlationId: string;
    from?: string;
    to?: string;
    zone?: string;
    causationId?: string;
    createdAt?: Date;
  }
  const compose = (c: Compose) => {
    const body = validateBody(codec.local.latest(c.type).avroType, c.body);
    return codec.compose({
      type: c.type,
      sender: c.from ?? VECTOR_SENDER,
      recipient: c.to ?? VECTOR_RECEIVER,
      zone: c.zone ?? 'yrd',
      correlationId: c.correlationId,
      causationId: c.causationId ?? null,
      messageId: messageId(),
      createdAt: c.createdAt ?? createdAt,
      body,
    });
  };
  const vectors: RecordVector[] = [];
  const add = (
    name: string,
    description: string,
    value: Buffer,
    jws: string | undefined,
    correlationId: string,
    expected: VectorExpectation,
    acceptedMessageIds: string[] = [],
  ) => {
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

  // One valid record per message type, EdDSA and ES256 both used.
  const lead = compose({ type: 'LEAD', body: sampleLead('XS-330100-2026-0001'), correlationId: 'XS-330100-2026-0001' });
  add(
    'valid-lead',
    'LEAD signed with EdDSA (Ed25519)',
    lead.value,
    await signDetached(lead.value, senderEd),
    'XS-330100-2026-0001',
    accepted(lead.envelope),
  );
  const result = compose({
    type: 'CASE_RESULT',
    body: sampleFeedback('XS-341825-2026-0007', '旌市监立〔2026〕7号'),
    correlationId: 'XS-341825-2026-0007',
  });
  add(
    'valid-case-result',
    'CASE_RESULT signed with ES256 (P-256, R||S)',
    result.value,
    await signDetached(result.value, senderEs),
    'XS-341825-2026-0007',
    accepted(result.envelope),
  );
  const complaintBody = sampleComplaint('TS-330100-2026-0001');
  const complainant = complaintBody.complainant as Record<string, unknown>;
  const encryptionKey = await importKey(receiver.encryption.publicJwk);
  const complaint = compose({
    type: 'COMPLAINT',
    body: { ...complaintBody, complainant: await encryptJson(complainant, encryptionKey, receiver.encryption.kid) },
    correlationId: 'TS-330100-2026-0001',
  });
  add(
    'valid-complaint',
    'COMPLAINT whose complainant is a JWE (ECDH-ES+A256KW on X25519, A256GCM) to the receiver',
    complaint.value,
    await signDetached(complaint.value, senderEd),
    'TS-330100-2026-0001',
    accepted(complaint.envelope, complainant),
  );
  const complaintResult = compose({
    type: 'COMPLAINT_RESULT',
    body: sampleComplaintResult('TS-341825-2026-0003'),
    correlationId: 'TS-341825-2026-0003',
  });
  add(
    'valid-complaint-result',
    'COMPLAINT_RESULT signed with ES256',
    complaintResult.value,
    await signDetached(complaintResult.value, senderEs),
    'TS-341825-2026-0003',
    accepted(complaintResult.envelope),
  );
  const answered = messageId();
  const receiptId = messageId();
  const receipt = codec.compose({
    type: 'RECEIPT',
    sender: VECTOR_SENDER,
    recipient: VECTOR_RECEIVER,
    zone: 'yrd',
    correlationId: receiptId,
    causationId: answered,
    messageId: receiptId,
    createdAt,
    body: validateBody(codec.local.latest('RECEIPT').avroType, {
      items: [{ messageId: answered, status: 'ACCEPTED', reasonCode: null, reason: null }],
      receivedAt: createdAt.toISOString(),
    }),
  });
  add(
    'valid-receipt',
    'RECEIPT answering one message; its correlationId is its own messageId',
    receipt.value,
    await signDetached(receipt.value, senderEd),
    receiptId,
    accepted(receipt.envelope),
  );
  const reminder = compose({
    type: 'REMINDER',
    body: {
      caseNo: 'XS-330100-2026-0001',
      kind: 'LEAD',
      clock: 'lead-feedback',
      dueDate: '2026-11-20',
      overdueWorkingDays: 5,
      sequence: 1,
      note: '请尽快反馈核查情况。',
    },
    correlationId: 'XS-330100-2026-0001',
  });
  add(
    'valid-reminder',
    'REMINDER (督办)',
    reminder.value,
    await signDetached(reminder.value, senderEd),
    'XS-330100-2026-0001',
    accepted(reminder.envelope),
  ); // 协查: a type added after envelope v1, so it travels in envelope v2 (written with the oldest
  // version that carries it); the other vectors stay in v1, the previous version, which every
  // reader still decodes.
  const assistance = compose({
    type: 'ASSISTANCE_REQUEST',
    body: sampleAssistanceRequest('XC-330100-2026-0001', 'XS-330100-2026-0001', '2026-12-31'),
    correlationId: 'XC-330100-2026-0001',
  });
  add(
    'valid-assistance-request',
    'ASSISTANCE_REQUEST (协查) in envelope v2',
    assistance.value,
    await signDetached(assistance.value, senderEs),
    'XC-330100-2026-0001',
    accepted(assistance.envelope),
  );
  // The audit witnessing (docs/audit.md): types added after envelope v2, so they travel in v3, and
  // any agreement both members share carries them, like receipts (here leads-only, which lists LEAD).
  const checkpoint = compose({
    type: 'AUDIT_CHECKPOINT',
    body: {
      seq: 214,
      hash: 'a'.repeat(64),
      checkpoint: await signCheckpoint(
        { agency: VECTOR_SENDER, seq: 214, hash: 'a'.repeat(64), signedAt: createdAt.toISOString() },
        senderEd,
      ),
    },
    correlationId: `AUDIT-${VECTOR_SENDER}-214`,
    zone: 'leads-only',
  });
  add(
    'valid-audit-checkpoint',
    "AUDIT_CHECKPOINT in envelope v3: the sender's signed audit chain head, for the receiver to witness; under leads-only",
    checkpoint.value,
    await signDetached(checkpoint.value, senderEd),
    `AUDIT-${VECTOR_SENDER}-214`,
    accepted(checkpoint.envelope),
  );
  const receiverCheckpoint = await signCheckpoint(
    { agency: VECTOR_RECEIVER, seq: 57, hash: 'b'.repeat(64), signedAt: createdAt.toISOString() },
    await signer(receiver.signing[0].privateJwk),
  );
  const witnessed = await witnessCheckpoint(
    receiverCheckpoint,
    { ...senderEs, agency: VECTOR_SENDER },
    keyLookup(federation),
    createdAt,
  );
  const countersignature = compose({
    type: 'AUDIT_COUNTERSIGN',
    body: { seq: 57, hash: 'b'.repeat(64), countersignature: witnessed.countersignature },
    correlationId: `AUDIT-${VECTOR_RECEIVER}-57`,
    causationId: messageId(),
  });
  add(
    'valid-audit-countersignature',
    "AUDIT_COUNTERSIGN in envelope v3: the sender's countersignature of a checkpoint of the receiver's chain",
    countersignature.value,
    await signDetached(countersignature.value, senderEs),
    `AUDIT-${VECTOR_RECEIVER}-57`,
    accepted(countersignature.envelope),
  );

  // One record per refusal reason, in the order of the wire-format list.
  const probe = (correlationId = 'XS-330100-2026-0099', extra: Partial<Compose> = {}) =>
    compose({ type: 'LEAD', body: sampleLead(correlationId), correlationId, ...extra });
  const signed = async (value: Buffer, s: Signer = senderEd) => signDetached(value, s);

  const oldHeader = Buffer.from(probe().value);
  Buffer.from('43b4d67bff731619', 'hex').copy(oldHeader, 2);
  add(
    'malformed-header',
    'single-object header with the 0.1.0 fingerprint (CRC-64-AVRO of the name alone), signed',
    oldHeader,
    await signed(oldHeader),
    'XS-330100-2026-0099',
    refused('MALFORMED'),
  );
  const truncated = probe().value.subarray(0, 60);
  add(
    'malformed-truncated',
    'envelope cut short after 60 bytes, signed',
    truncated,
    await signed(truncated),
    'XS-330100-2026-0099',
    refused('MALFORMED'),
  );
  const trailing = Buffer.concat([probe().value, Buffer.from([0])]);
  add(
    'malformed-trailing-bytes',
    'one byte after the envelope, signed',
    trailing,
    await signed(trailing),
    'XS-330100-2026-0099',
    refused('MALFORMED'),
  );
  const badId = codec.envelope.encode({ ...probe().envelope, sender: '33010A' });
  add(
    'malformed-envelope-field',
    'sender 33010A is not six digits (envelope field limits), signed',
    badId,
    await signed(badId),
    'XS-330100-2026-0099',
    refused('MALFORMED'),
  );
  const unsigned = probe().value;
  add(
    'signature-missing',
    'no xietong-jws header',
    unsigned,
    undefined,
    'XS-330100-2026-0099',
    refused('SIGNATURE_MISSING'),
  );
  const stranger = await generateSigningKey('EdDSA', `${NON_MEMBER}-sig-ed`);
  const fromStranger = probe('XS-110000-2026-0001', { from: NON_MEMBER }).value;
  add(
    'unknown-sender',
    'sender 110000 is not a manifest member',
    fromStranger,
    await signed(fromStranger, await signer(stranger.privateJwk)),
    'XS-110000-2026-0001',
    refused('UNKNOWN_SENDER'),
  );
  const rogue = await generateSigningKey('EdDSA', `${VECTOR_SENDER}-sig-rogue`);
  const rogueValue = probe().value;
  add(
    'unknown-key',
    'signed with a kid the sender does not have in the manifest',
    rogueValue,
    await signed(rogueValue, await signer(rogue.privateJwk)),
    'XS-330100-2026-0099',
    refused('UNKNOWN_KEY'),
  );
  const expired = probe().value;
  add(
    'key-not-valid-expired',
    'signed with a key whose notAfter passed 30 days before now',
    expired,
    await signed(expired, await signer(key(sender, `${VECTOR_SENDER}-sig-old`))),
    'XS-330100-2026-0099',
    refused('KEY_NOT_VALID'),
  );
  const early = probe('XS-330100-2026-0099', { createdAt: new Date(now.getTime() - 60 * DAY) }).value;
  add(
    'key-not-valid-created-at',
    'createdAt lies 30 days before the signing key notBefore (now is inside the window)',
    early,
    await signed(early),
    'XS-330100-2026-0099',
    refused('KEY_NOT_VALID'),
  );
  const tampered = probe().value;
  const tamperedJws = await signed(tampered);
  const at99 = tampered.indexOf('0099');
  tampered[at99 + 3] = '8'.charCodeAt(0);
  add(
    'signature-invalid-tampered',
    'one byte of correlationId changed after signing',
    tampered,
    tamperedJws,
    'XS-330100-2026-0098',
    refused('SIGNATURE_INVALID'),
  );
  const wrongAlg = probe().value;
  const wrongHeader = Buffer.from(JSON.stringify({ alg: 'ES256', kid: senderEd.kid })).toString('base64url');
  const wrongSignature = signatureOver(
    Buffer.from(`${wrongHeader}.${wrongAlg.toString('base64url')}`, 'ascii'),
    senderEd,
  ).toString('base64url');
  add(
    'signature-invalid-alg',
    'protected header says ES256 for a key the manifest registers for EdDSA',
    wrongAlg,
    `${wrongHeader}..${wrongSignature}`,
    'XS-330100-2026-0099',
    refused('SIGNATURE_INVALID'),
  );
  const elsewhere = probe('XS-330100-2026-0099', { to: OTHER_MEMBER }).value;
  add(
    'wrong-recipient',
    'validly signed for 320500, read by 341825',
    elsewhere,
    await signed(elsewhere),
    'XS-330100-2026-0099',
    refused('WRONG_RECIPIENT'),
  );
  const outside = compose({
    type: 'COMPLAINT_RESULT',
    body: sampleComplaintResult('TS-341825-2026-0004'),
    correlationId: 'TS-341825-2026-0004',
    zone: 'leads-only',
  }).value;
  add(
    'not-in-agreement',
    'COMPLAINT_RESULT naming agreement leads-only, which lists LEAD only',
    outside,
    await signed(outside),
    'TS-341825-2026-0004',
    refused('NOT_IN_AGREEMENT'),
  );
  const undeclared = compose({
    type: 'ASSISTANCE_REPLY',
    body: sampleAssistanceReply('XC-341825-2026-0002'),
    correlationId: 'XC-341825-2026-0002',
  }).value;
  add(
    'unsupported-type',
    'ASSISTANCE_REPLY, a type the receiver does not declare in its manifest capabilities (accepts)',
    undeclared,
    await signed(undeclared),
    'XC-341825-2026-0002',
    refused('UNSUPPORTED_TYPE'),
  );
  const unknownSchema = codec.envelope.encode({
    ...probe().envelope,
    bodySchema: createHash('sha256').update('not a catalog schema').digest(),
  });
  add(
    'unknown-schema',
    'bodySchema is a SHA-256 that is not in the signed catalog',
    unknownSchema,
    await signed(unknownSchema),
    'XS-330100-2026-0099',
    refused('UNKNOWN_SCHEMA'),
  );
  const badBody = codec.envelope.encode({ ...probe().envelope, body: Buffer.from([0x02, 0x41, 0xff, 0xff]) });
  add(
    'malformed-body',
    'body bytes do not decode with the catalog schema bodySchema names',
    badBody,
    await signed(badBody),
    'XS-330100-2026-0099',
    refused('MALFORMED'),
  );
  const replay = probe();
  add(
    'replay',
    'a valid record whose messageId the receiver has already accepted',
    replay.value,
    await signed(replay.value),
    'XS-330100-2026-0099',
    refused('REPLAY'),
    [replay.envelope.messageId],
  );

  vectors.forEach((v, i) => json(join(out, 'records', `${String(i + 1).padStart(2, '0')}-${v.name}.json`), v));
  return { dir: out, vectors };
}

/** The JSON form of an envelope (docs/wire-format.md): bodySchema and body as lowercase hex. */
export function envelopeJson(e: Envelope): Record<string, unknown> {
  return { ...e, bodySchema: e.bodySchema.toString('hex'), body: e.body.toString('hex') };
}
