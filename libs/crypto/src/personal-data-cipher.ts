import { CompactEncrypt, compactDecrypt, type CryptoKey } from 'jose';
import { CONTENT_ENCRYPTION, ENCRYPTION_ALGORITHM } from './key-material';

/** Encrypts a JSON value to one recipient key as a compact JWE (RFC 7516). */
export async function encryptJson(value: unknown, recipientKey: CryptoKey, kid: string): Promise<string> {
  return new CompactEncrypt(Buffer.from(JSON.stringify(value), 'utf8'))
    .setProtectedHeader({ alg: ENCRYPTION_ALGORITHM, enc: CONTENT_ENCRYPTION, kid, cty: 'json' })
    .encrypt(recipientKey);
}

/** Decrypts a compact JWE produced by {@link encryptJson}. */
export async function decryptJson<T>(jwe: string, privateKey: CryptoKey): Promise<T> {
  const { plaintext } = await compactDecrypt(jwe, privateKey, {
    keyManagementAlgorithms: [ENCRYPTION_ALGORITHM],
    contentEncryptionAlgorithms: [CONTENT_ENCRYPTION],
  });
  return JSON.parse(Buffer.from(plaintext).toString('utf8')) as T;
}
