import {
  sampleAssistanceRequest,
  sampleComplaint,
  sampleComplaintResult,
  sampleErasureNotice,
  sampleFeedback,
  sampleLead,
  validateBody,
} from '@xietong/contracts';
import { encryptJson, importKey, signDetached } from '@xietong/crypto';
import { keyLookup, signCheckpoint, witnessCheckpoint } from '@xietong/exchange';
import { VECTOR_RECEIVER, VECTOR_SENDER, type VectorBuilder } from './vector-kit';

// One valid record per message type, EdDSA and ES256 both used.

export const validLead: VectorBuilder = async ({ senderEd, compose, add, accepted }) => {
  const lead = compose({ type: 'LEAD', body: sampleLead('XS-330100-2026-0001'), correlationId: 'XS-330100-2026-0001' });
  add(
    'valid-lead',
    'LEAD signed with EdDSA (Ed25519)',
    lead.value,
    await signDetached(lead.value, senderEd),
    'XS-330100-2026-0001',
    accepted(lead.envelope),
  );
};

export const validCaseResult: VectorBuilder = async ({ senderEs, compose, add, accepted }) => {
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
};

export const validComplaint: VectorBuilder = async ({ receiver, senderEd, compose, add, accepted }) => {
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
};

export const validComplaintResult: VectorBuilder = async ({ senderEs, compose, add, accepted }) => {
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
};

export const validReceipt: VectorBuilder = async ({ codec, senderEd, createdAt, messageId, add, accepted }) => {
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
};

export const validReminder: VectorBuilder = async ({ senderEd, compose, add, accepted }) => {
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
  );
};

// 协查: a type added after envelope v1, so it travels in envelope v2 (written with the oldest
// version that carries it); the other vectors stay in v1, the previous version, which every
// reader still decodes.
export const validAssistanceRequest: VectorBuilder = async ({ senderEs, compose, add, accepted }) => {
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
};

// The audit witnessing (docs/audit.md): types added after envelope v2, so they travel in v3, and
// any agreement both members share carries them, like receipts (here leads-only, which lists LEAD).
export const validAuditCheckpoint: VectorBuilder = async ({ senderEd, createdAt, compose, add, accepted }) => {
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
};

export const validAuditCountersignature: VectorBuilder = async ({
  federation,
  receiver,
  senderEs,
  createdAt,
  messageId,
  compose,
  add,
  accepted,
  signer,
}) => {
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
};

// The connectivity check and the erasure notice: control types added after envelope v3, so they
// travel in v4; any agreement both members share carries them (the ping here under leads-only), and
// the receiver answers each with its normal receipt.
export const validPing: VectorBuilder = async ({ senderEd, createdAt, messageId, compose, add, accepted }) => {
  const id = messageId();
  const ping = compose({
    type: 'PING',
    body: { requestedBy: 'ops@330100', sentAt: createdAt.toISOString() },
    correlationId: id,
    messageId: id,
    zone: 'leads-only',
  });
  add(
    'valid-ping',
    'PING in envelope v4: a connectivity check, answered by a receipt; its correlationId is its own messageId; under leads-only',
    ping.value,
    await signDetached(ping.value, senderEd),
    id,
    accepted(ping.envelope),
  );
};

export const validErasureNotice: VectorBuilder = async ({ senderEs, createdAt, messageId, compose, add, accepted }) => {
  const notice = compose({
    type: 'ERASURE_NOTICE',
    body: sampleErasureNotice('TS-330100-2026-0001', [messageId()], createdAt),
    correlationId: 'TS-330100-2026-0001',
  });
  add(
    'valid-erasure-notice',
    'ERASURE_NOTICE in envelope v4: asks the receiver to erase the complainant of one complaint (purpose fulfilled)',
    notice.value,
    await signDetached(notice.value, senderEs),
    'TS-330100-2026-0001',
    accepted(notice.envelope),
  );
};

/** In the order of the published files. */
export const VALID_RECORDS: VectorBuilder[] = [
  validLead,
  validCaseResult,
  validComplaint,
  validComplaintResult,
  validReceipt,
  validReminder,
  validAssistanceRequest,
  validAuditCheckpoint,
  validAuditCountersignature,
  validPing,
  validErasureNotice,
];
