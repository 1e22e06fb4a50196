import { createHash } from 'node:crypto';
import { sampleAssistanceReply, sampleComplaintResult } from '@xietong/contracts';
import { generateSigningKey, signatureOver } from '@xietong/crypto';
import { DAY, NON_MEMBER, OTHER_MEMBER, VECTOR_SENDER, type VectorBuilder } from './vector-kit';

// One record per refusal reason, in the order of the wire-format list.

export const malformedHeader: VectorBuilder = async ({ add, refused, probe, signed }) => {
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
};

export const malformedTruncated: VectorBuilder = async ({ add, refused, probe, signed }) => {
  const truncated = probe().value.subarray(0, 60);
  add(
    'malformed-truncated',
    'envelope cut short after 60 bytes, signed',
    truncated,
    await signed(truncated),
    'XS-330100-2026-0099',
    refused('MALFORMED'),
  );
};

export const malformedTrailingBytes: VectorBuilder = async ({ add, refused, probe, signed }) => {
  const trailing = Buffer.concat([probe().value, Buffer.from([0])]);
  add(
    'malformed-trailing-bytes',
    'one byte after the envelope, signed',
    trailing,
    await signed(trailing),
    'XS-330100-2026-0099',
    refused('MALFORMED'),
  );
};

export const malformedEnvelopeField: VectorBuilder = async ({ codec, add, refused, probe, signed }) => {
  const badId = codec.envelope.encode({ ...probe().envelope, sender: '33010A' });
  add(
    'malformed-envelope-field',
    'sender 33010A is not six digits (envelope field limits), signed',
    badId,
    await signed(badId),
    'XS-330100-2026-0099',
    refused('MALFORMED'),
  );
};

export const signatureMissing: VectorBuilder = async ({ add, refused, probe }) => {
  const unsigned = probe().value;
  add(
    'signature-missing',
    'no xietong-jws header',
    unsigned,
    undefined,
    'XS-330100-2026-0099',
    refused('SIGNATURE_MISSING'),
  );
};

export const unknownSender: VectorBuilder = async ({ add, refused, signer, probe, signed }) => {
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
};

export const unknownKey: VectorBuilder = async ({ add, refused, signer, probe, signed }) => {
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
};

export const keyNotValidExpired: VectorBuilder = async ({ sender, add, refused, signer, key, probe, signed }) => {
  const expired = probe().value;
  add(
    'key-not-valid-expired',
    'signed with a key whose notAfter passed 30 days before now',
    expired,
    await signed(expired, await signer(key(sender, `${VECTOR_SENDER}-sig-old`))),
    'XS-330100-2026-0099',
    refused('KEY_NOT_VALID'),
  );
};

export const keyNotValidCreatedAt: VectorBuilder = async ({ now, add, refused, probe, signed }) => {
  const early = probe('XS-330100-2026-0099', { createdAt: new Date(now.getTime() - 60 * DAY) }).value;
  add(
    'key-not-valid-created-at',
    'createdAt lies 30 days before the signing key notBefore (now is inside the window)',
    early,
    await signed(early),
    'XS-330100-2026-0099',
    refused('KEY_NOT_VALID'),
  );
};

export const signatureInvalidTampered: VectorBuilder = async ({ add, refused, probe, signed }) => {
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
};

export const signatureInvalidAlg: VectorBuilder = async ({ senderEd, add, refused, probe }) => {
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
};

export const wrongRecipient: VectorBuilder = async ({ add, refused, probe, signed }) => {
  const elsewhere = probe('XS-330100-2026-0099', { to: OTHER_MEMBER }).value;
  add(
    'wrong-recipient',
    'validly signed for 320500, read by 341825',
    elsewhere,
    await signed(elsewhere),
    'XS-330100-2026-0099',
    refused('WRONG_RECIPIENT'),
  );
};

export const notInAgreement: VectorBuilder = async ({ compose, add, refused, signed }) => {
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
};

export const unsupportedType: VectorBuilder = async ({ compose, add, refused, signed }) => {
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
};

export const unknownSchema: VectorBuilder = async ({ codec, add, refused, probe, signed }) => {
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
};

export const malformedBody: VectorBuilder = async ({ codec, add, refused, probe, signed }) => {
  const badBody = codec.envelope.encode({ ...probe().envelope, body: Buffer.from([0x02, 0x41, 0xff, 0xff]) });
  add(
    'malformed-body',
    'body bytes do not decode with the catalog schema bodySchema names',
    badBody,
    await signed(badBody),
    'XS-330100-2026-0099',
    refused('MALFORMED'),
  );
};

export const replay: VectorBuilder = async ({ add, refused, probe, signed }) => {
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
};

/** In the order of the wire-format list of refusal reasons. */
export const REFUSED_RECORDS: VectorBuilder[] = [
  malformedHeader,
  malformedTruncated,
  malformedTrailingBytes,
  malformedEnvelopeField,
  signatureMissing,
  unknownSender,
  unknownKey,
  keyNotValidExpired,
  keyNotValidCreatedAt,
  signatureInvalidTampered,
  signatureInvalidAlg,
  wrongRecipient,
  notInAgreement,
  unsupportedType,
  unknownSchema,
  malformedBody,
  replay,
];
