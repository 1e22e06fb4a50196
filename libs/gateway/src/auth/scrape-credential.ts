import { createHash, timingSafeEqual } from 'node:crypto';
import { SetMetadata } from '@nestjs/common';
import { readSecretFile } from '@xietong/config';
import { DomainError } from '@xietong/contracts';

export const SCRAPE_KEY = 'xietong:scrape';

/** A handler that also accepts the static scrape credential (only /metrics). */
export const AcceptsScrapeCredential = () => SetMetadata(SCRAPE_KEY, true);

// Long enough that guessing is hopeless (openssl rand -hex 32 gives 64).
const MIN_LENGTH = 32;
const TOKEN = /^[\x21-\x7e]+$/;

/**
 * The static bearer credential Prometheus scrapes `/metrics` with (XIETONG_METRICS_TOKEN_FILE),
 * since it cannot renew a 1-hour JWT. Read from a file, never from argv or the environment, so it
 * shows in no process list; compared in constant time. Without the file only JWTs are accepted.
 */
export class ScrapeCredential {
  private readonly digest?: Buffer;

  constructor(tokenFile: string | undefined) {
    if (!tokenFile) return;
    const token = readSecretFile(tokenFile, 'XIETONG_METRICS_TOKEN_FILE').trim();
    if (token.length < MIN_LENGTH || !TOKEN.test(token))
      throw new DomainError(
        'CONFIG_INVALID',
        `XIETONG_METRICS_TOKEN_FILE ${tokenFile} must hold one token of at least ${MIN_LENGTH} printable characters without spaces (e.g. openssl rand -hex 32)`,
      );
    this.digest = sha256(token);
  }

  get configured(): boolean {
    return this.digest !== undefined;
  }

  /** True when `presented` is the configured credential (false when none is configured). */
  matches(presented: string): boolean {
    // Digests have one length, so the comparison time says nothing about the token's length either.
    return this.digest !== undefined && timingSafeEqual(sha256(presented), this.digest);
  }
}

function sha256(v: string): Buffer {
  return createHash('sha256').update(v, 'utf8').digest();
}
