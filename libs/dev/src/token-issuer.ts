import { SignJWT, type JWK } from 'jose';
import { importKey } from '@xietong/crypto';
import type { Role } from '@xietong/exchange';

export interface TokenRequest {
  issuer: string;
  audience: string;
  subject: string;
  roles: Role[];
  ttlSeconds?: number;
}

/**
 * Signs a bearer token with a local issuer key: for the development issuer that `federation init`
 * creates, the demo and the tests. In production the agency's identity provider issues tokens.
 */
export async function issueToken(issuerKey: JWK, r: TokenRequest): Promise<string> {
  return new SignJWT({ roles: r.roles })
    .setProtectedHeader({ alg: String(issuerKey.alg), kid: issuerKey.kid, typ: 'JWT' })
    .setIssuer(r.issuer)
    .setAudience(r.audience)
    .setSubject(r.subject)
    .setIssuedAt()
    .setExpirationTime(`${r.ttlSeconds ?? 3600}s`)
    .sign(await importKey(issuerKey));
}
