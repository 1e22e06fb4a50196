import type { CryptoKey, JWK } from 'jose';
import { readSecretFile } from '@xietong/config';
import { DomainError } from '@xietong/contracts';
import { importKey, importSigningKey, isSigningAlgorithm, SIGNING_ALGORITHMS, type Signer } from '@xietong/crypto';

/** This gateway's private keys: the signer for outgoing records and the JWE decryption key. */
export class LocalKeys {
  private constructor(
    readonly signer: Signer,
    readonly decryptionKey: CryptoKey,
    readonly decryptionKid: string,
  ) {}

  static async load(signingKeyFile: string, encryptionKeyFile: string): Promise<LocalKeys> {
    const sig = await readKeyFile(signingKeyFile, 'XIETONG_SIGNING_KEY_FILE');
    if (!isSigningAlgorithm(sig.alg) || !sig.kid || !sig.d)
      throw new DomainError(
        'CONFIG_INVALID',
        `${signingKeyFile} must be a private JWK with kid and alg ${SIGNING_ALGORITHMS.join(', ')}`,
      );
    const enc = await readKeyFile(encryptionKeyFile, 'XIETONG_ENCRYPTION_KEY_FILE');
    if (!enc.kid || !enc.d)
      throw new DomainError('CONFIG_INVALID', `${encryptionKeyFile} must be a private JWK with kid`);
    return new LocalKeys(
      { kid: sig.kid, alg: sig.alg, key: await importSigningKey(sig) },
      await importKey(enc),
      enc.kid,
    );
  }
}

/** A private JWK, from a file only this user may read (federation init writes them 0600). */
async function readKeyFile(file: string, variable: string): Promise<JWK> {
  const text = readSecretFile(file, variable);
  try {
    return JSON.parse(text) as JWK;
  } catch {
    throw new DomainError('CONFIG_INVALID', `${variable} ${file} is not a JSON Web Key`);
  }
}
