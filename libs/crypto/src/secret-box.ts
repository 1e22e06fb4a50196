import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readSecretFile } from '@xietong/config';
import { DomainError } from '@xietong/contracts';

const PREFIX = 'aesgcm1';

/**
 * Encrypts secrets that must be kept in the database (webhook signing secrets) with AES-256-GCM
 * under a 32-byte key held in a file only its owner may read (0600, like the private keys).
 * Stored form: `aesgcm1.<iv>.<ciphertext+tag>` (base64url); a copy of the database alone does not
 * give the secrets away.
 */
export class SecretBox {
  private key?: Buffer;

  private constructor(private readonly load: () => Buffer) {}

  /**
   * A box on the key file `file` (named by `variable` in errors), read on first use and created
   * then, with a fresh random key and mode 0600, when it does not exist: a gateway whose webhooks
   * are never used needs no such file (a read-only key mount keeps working).
   */
  static open(file: string, variable: string): SecretBox {
    return new SecretBox(() => {
      try {
        if (!existsSync(file)) {
          mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
          writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
        }
      } catch (e) {
        throw new DomainError('CONFIG_INVALID', `cannot create ${variable} ${file}: ${(e as Error).message}`);
      }
      const key = Buffer.from(readSecretFile(file, variable).trim(), 'base64');
      if (key.length !== 32)
        throw new DomainError('CONFIG_INVALID', `${variable} ${file} must hold 32 bytes in base64, got ${key.length}`);
      return key;
    });
  }

  /** A box on a key given directly (tests). */
  static withKey(key: Buffer): SecretBox {
    return new SecretBox(() => key);
  }

  private get bytes(): Buffer {
    this.key ??= this.load();
    return this.key;
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.bytes, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${PREFIX}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** CONFIG_INVALID when the value was sealed under another key or altered. */
  open(sealed: string): string {
    const key = this.bytes;
    const [prefix, iv, body] = sealed.split('.');
    try {
      if (prefix !== PREFIX || !iv || !body) throw new Error('not a sealed value');
      const bytes = Buffer.from(body, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
    } catch (e) {
      throw new DomainError(
        'CONFIG_INVALID',
        `a stored secret cannot be opened with this gateway's secret key (another key file?): ${(e as Error).message}`,
      );
    }
  }
}
