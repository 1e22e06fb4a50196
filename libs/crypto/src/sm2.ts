import type { JWK } from 'jose';
import { sm2 } from 'sm-crypto-v2';
import { DomainError } from '@xietong/contracts';

/**
 * SM2 signatures (GB/T 32918.2, 商用密码) for record signing, through sm-crypto-v2: the digest is SM3
 * over Z ‖ message with the standard's default user ID `1234567812345678` (GB/T 35276), and a JWS
 * carries the signature as r ‖ s, 32 bytes each, like ES256. Keys are JWKs `{kty: "EC", crv: "SM2",
 * x, y, d?}`. Checked against OpenSSL 3 in both directions (crypto.spec.ts).
 */
export const SM2_USER_ID = '1234567812345678';

/** An imported SM2 key: the public point (precomputed for fast verification), and the private scalar. */
export interface Sm2Key {
  readonly type: 'sm2';
  readonly publicHex: string;
  readonly privateHex?: string;
  readonly point: ReturnType<typeof sm2.precomputePublicKey>;
}

export function isSm2Key(key: unknown): key is Sm2Key {
  return typeof key === 'object' && key !== null && (key as { type?: unknown }).type === 'sm2';
}

const hex = (b64url: string) => Buffer.from(b64url, 'base64url').toString('hex').padStart(64, '0');
const b64url = (h: string) => Buffer.from(h.padStart(64, '0'), 'hex').toString('base64url');

export function generateSm2Jwk(): { privateJwk: JWK; publicJwk: JWK } {
  const { privateKey, publicKey } = sm2.generateKeyPairHex();
  const publicJwk: JWK = {
    kty: 'EC',
    crv: 'SM2',
    x: b64url(publicKey.slice(2, 66)),
    y: b64url(publicKey.slice(66, 130)),
  };
  return { publicJwk, privateJwk: { ...publicJwk, d: b64url(privateKey) } };
}

export function importSm2Jwk(jwk: JWK): Sm2Key {
  if (jwk.kty !== 'EC' || jwk.crv !== 'SM2' || !jwk.x || !jwk.y)
    throw new DomainError('CONFIG_INVALID', `JWK ${jwk.kid ?? ''} is not an SM2 key (kty EC, crv SM2, x, y)`);
  const publicHex = `04${hex(jwk.x)}${hex(jwk.y)}`;
  const onCurve = (() => {
    try {
      return publicHex.length === 130 && sm2.verifyPublicKey(publicHex);
    } catch {
      return false;
    }
  })();
  if (!onCurve)
    throw new DomainError('CONFIG_INVALID', `JWK ${jwk.kid ?? ''}: the SM2 public point is not on the curve`);
  const privateHex = jwk.d ? hex(jwk.d) : undefined;
  if (privateHex && sm2.getPublicKeyFromPrivateKey(privateHex) !== publicHex)
    throw new DomainError('CONFIG_INVALID', `JWK ${jwk.kid ?? ''}: SM2 private and public parts do not match`);
  return { type: 'sm2', publicHex, privateHex, point: sm2.precomputePublicKey(publicHex) };
}

/** r ‖ s (64 bytes) over `data`. */
export function sm2Sign(data: Uint8Array, key: Sm2Key): Buffer {
  if (!key.privateHex) throw new DomainError('CONFIG_INVALID', 'SM2 signing needs a private key');
  return Buffer.from(
    sm2.doSignature(data, key.privateHex, { hash: true, publicKey: key.publicHex, userId: SM2_USER_ID }),
    'hex',
  );
}

export function sm2Verify(data: Uint8Array, signature: Uint8Array, key: Sm2Key): boolean {
  if (signature.length !== 64) return false;
  try {
    return sm2.doVerifySignature(data, Buffer.from(signature).toString('hex'), key.point, {
      hash: true,
      userId: SM2_USER_ID,
    });
  } catch {
    return false; // r or s out of range
  }
}

/** The public key as SubjectPublicKeyInfo PEM (id-ecPublicKey on the SM2 curve), for OpenSSL and friends. */
export function sm2PublicKeyPem(key: Sm2Key): string {
  const der = Buffer.concat([
    Buffer.from('3059301306072a8648ce3d020106082a811ccf5501822d034200', 'hex'),
    Buffer.from(key.publicHex, 'hex'),
  ]);
  return `-----BEGIN PUBLIC KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PUBLIC KEY-----\n`;
}
