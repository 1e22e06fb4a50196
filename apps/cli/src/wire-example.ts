import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
import { importKey, signDetached, publicPart } from '@xietong/crypto';
import { WireCodec } from '@xietong/exchange';
import { rabinFingerprintOf, validateBody } from '@xietong/contracts';
import type { JWK } from 'jose';

/** Published example key of docs/wire-format.md. Never use it for anything else. */
export const EXAMPLE_PRIVATE_JWK: JWK = {
  kty: 'OKP',
  crv: 'Ed25519',
  d: 'oH5nXB3mSukORyuN_tWpIfevT4mzqLTSon6122reo_Y',
  x: 'G4Dd4rppr46OYCdPRmgZqOTstpqL1Dje0bMZDboAX24',
  kid: '330100-sig-example',
  alg: 'EdDSA',
};

export interface WireExample {
  publicJwk: JWK;
  body: Record<string, unknown>;
  bodySchemaSha256: string;
  bodyHex: string;
  envelopeRabin: string;
  envelope: Record<string, unknown>;
  valueHex: string;
  jws: string;
  signingInput: string;
}

/**
 * The worked example of the wire format: fixed inputs and an Ed25519 key, so every byte and the
 * signature (Ed25519 is deterministic) can be reproduced by a partner with any Avro and JOSE library.
 */
export async function wireExample(): Promise<WireExample> {
  const codec = new WireCodec(join(repoRoot(), 'schemas'));
  const schema = codec.local.latest('COMPLAINT_RESULT');
  const body = validateBody(schema.avroType, {
    complaintNo: 'JDTS-330100-2026-0001',
    status: 'ACCEPTED',
    acceptBy: '2026-12-04',
    note: '已受理',
  });
  const { envelope, value } = codec.compose({
    type: 'COMPLAINT_RESULT',
    sender: '330100',
    recipient: '341825',
    zone: 'yrd',
    correlationId: 'JDTS-330100-2026-0001',
    messageId: '3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b',
    createdAt: new Date('2026-11-27T08:00:00.000Z'),
    body,
  });
  const jws = await signDetached(value, {
    kid: EXAMPLE_PRIVATE_JWK.kid!,
    alg: 'EdDSA',
    key: await importKey(EXAMPLE_PRIVATE_JWK),
  });
  const [protectedHeader] = jws.split('.');
  return {
    publicJwk: publicPart(EXAMPLE_PRIVATE_JWK),
    body,
    bodySchemaSha256: schema.fingerprint,
    bodyHex: envelope.body.toString('hex'),
    envelopeRabin: rabinFingerprintOf(codec.envelope.writerFor(envelope.type).codec.type).toString('hex'),
    envelope: {
      ...envelope,
      bodySchema: envelope.bodySchema.toString('hex'),
      body: `(${envelope.body.length} bytes, above)`,
    },
    valueHex: value.toString('hex'),
    jws,
    signingInput: `${protectedHeader}.${value.toString('base64url')}`,
  };
}
