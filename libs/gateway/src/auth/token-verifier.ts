import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { DomainError } from '@xietong/contracts';
import { ROLES, type Role } from './roles';

export interface AuthSettings {
  issuer: string;
  audience: string;
  jwksFile?: string;
  jwksUrl?: string;
}

/**
 * Verifies the bearer JWTs of county systems and staff: signature against the configured
 * issuer's keys (a JWKS file or URL, never a shared secret), issuer, audience and expiry.
 */
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly settings: AuthSettings) {
    if (settings.jwksUrl) this.keys = createRemoteJWKSet(new URL(settings.jwksUrl));
    else if (settings.jwksFile) {
      let jwks: JSONWebKeySet;
      try {
        jwks = JSON.parse(readFileSync(settings.jwksFile, 'utf8')) as JSONWebKeySet;
      } catch (e) {
        throw new DomainError('CONFIG_INVALID', `cannot read XIETONG_AUTH_JWKS_FILE ${settings.jwksFile}: ${(e as Error).message}`);
      }
      this.keys = createLocalJWKSet(jwks);
    } else throw new DomainError('CONFIG_INVALID', 'set XIETONG_AUTH_JWKS_FILE or XIETONG_AUTH_JWKS_URL: the HTTP API accepts only tokens of a configured issuer');
  }

  async verify(token: string): Promise<{ subject: string; roles: Role[] }> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ['EdDSA', 'ES256', 'RS256', 'PS256'],
        requiredClaims: ['sub', 'exp'],
      });
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r)) : [];
      return { subject: String(payload.sub), roles };
    } catch (e) {
      const why =
        e instanceof errors.JWTExpired
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
