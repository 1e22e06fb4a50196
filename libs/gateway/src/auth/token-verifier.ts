import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { DomainError } from '@xietong/contracts';
import { type Role, ROLES } from '@xietong/exchange';

export interface AuthSettings {
  issuer: string;
  audience: string;
  jwksFile?: string;
  jwksUrl?: string;
  /** Tokens issued (iat) longer ago than this are refused even before they expire. */
  maxTokenAgeSeconds: number;
}

/**
 * Header types of an access token: RFC 9068's `at+jwt`, and `JWT`, which the development issuer
 * and many identity providers set. An ID token, logout token or any other JWT is not a credential
 * for this API, even when the same issuer signed it for the same audience.
 */
const ACCESS_TOKEN_TYPES = new Set(['jwt', 'at+jwt']);

/** Thrown for a header type outside {@link ACCESS_TOKEN_TYPES}. */
class TokenTypeRefused extends Error {}

/**
 * Verifies the bearer JWTs of county systems and staff: signature against the configured
 * issuer's keys (a JWKS file or URL, never a shared secret), header type, issuer, audience,
 * expiry and maximum age.
 */
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly settings: AuthSettings) {
    if (settings.jwksUrl) this.keys = remoteKeys(new URL(settings.jwksUrl));
    else if (settings.jwksFile) {
      let jwks: JSONWebKeySet;
      try {
        jwks = JSON.parse(readFileSync(settings.jwksFile, 'utf8')) as JSONWebKeySet;
      } catch (e) {
        throw new DomainError(
          'CONFIG_INVALID',
          `cannot read XIETONG_AUTH_JWKS_FILE ${settings.jwksFile}: ${(e as Error).message}`,
        );
      }
      this.keys = createLocalJWKSet(jwks);
    } else
      throw new DomainError(
        'CONFIG_INVALID',
        'set XIETONG_AUTH_JWKS_FILE or XIETONG_AUTH_JWKS_URL: the HTTP API accepts only tokens of a configured issuer',
      );
  }

  async verify(token: string): Promise<{ subject: string; roles: Role[] }> {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ['EdDSA', 'ES256', 'RS256', 'PS256'],
        requiredClaims: ['sub', 'exp', 'iat'],
        maxTokenAge: this.settings.maxTokenAgeSeconds,
      });
      // RFC 8725 3.11: compared without case and without an "application/" prefix (RFC 7515 4.1.9).
      const typ = protectedHeader.typ?.toLowerCase().replace(/^application\//, '');
      if (typ === undefined || !ACCESS_TOKEN_TYPES.has(typ))
        throw new TokenTypeRefused(
          `token type (typ) ${protectedHeader.typ ?? '(none)'} is not accepted: an access token is JWT or at+jwt`,
        );
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r))
        : [];
      return { subject: String(payload.sub), roles };
    } catch (e) {
      if (e instanceof IdentityProviderUnavailable) {
        throw new DomainError(
          'AUTH_UNAVAILABLE',
          `the identity provider's keys (${this.settings.jwksUrl}) could not be fetched, try again shortly: ${e.message}`,
        );
      }
      const why =
        e instanceof TokenTypeRefused
          ? e.message
          : e instanceof errors.JWTExpired && e.claim === 'iat'
            ? `token is older than ${this.settings.maxTokenAgeSeconds} s (iat)`
            : e instanceof errors.JWTExpired
              ? 'token expired'
              : e instanceof errors.JWKSNoMatchingKey
                ? 'token signed by an unknown key'
                : e instanceof errors.JWTClaimValidationFailed
                  ? `token claim ${e.claim} is not accepted`
                  : 'token is not valid';
      throw new DomainError('UNAUTHENTICATED', why);
    }
  }
}

/** The identity provider's key set could not be fetched: the token may be fine, the caller should retry. */
class IdentityProviderUnavailable extends Error {}

/**
 * jose's remote key set (cached, refetched on an unknown kid), with failures to fetch it told apart
 * from tokens it cannot match: those are the identity provider's outage, not the caller's fault.
 */
function remoteKeys(url: URL): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url);
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (e) {
      if (
        e instanceof errors.JWKSNoMatchingKey ||
        e instanceof errors.JWKSMultipleMatchingKeys ||
        e instanceof errors.JOSENotSupported
      )
        throw e;
      const cause =
        e instanceof errors.JWKSTimeout
          ? 'timed out'
          : (((e as Error).cause as Error | undefined)?.message ?? (e as Error).message);
      throw new IdentityProviderUnavailable(cause);
    }
  };
}
