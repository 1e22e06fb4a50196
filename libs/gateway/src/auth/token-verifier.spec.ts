import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, type JWK } from 'jose';
import { generateSigningKey, importKey } from '@xietong/crypto';
import { issueToken } from '@xietong/dev';
import { TokenVerifier } from './token-verifier';

const issuer = 'https://idp.example.gov.cn/realms/jd';
const audience = 'xietong-gateway-341825';

describe('TokenVerifier', () => {
  let key: JWK;
  let verifier: TokenVerifier;
  beforeAll(async () => {
    const pair = await generateSigningKey('ES256', 'idp-1');
    key = pair.privateJwk;
    const jwksFile = join(mkdtempSync(join(tmpdir(), 'xt-auth-')), 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [pair.publicJwk] }));
    verifier = new TokenVerifier({ issuer, audience, jwksFile, maxTokenAgeSeconds: 3600 });
  });

  /** A token of the configured issuer with the given header type and issued-at (seconds ago). */
  const token = async (o: { typ?: string; ageSeconds?: number | null; ttlSeconds?: number } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ roles: ['submitter'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', ...(o.typ === undefined ? {} : { typ: o.typ }) })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('county-system')
      .setExpirationTime(now + (o.ttlSeconds ?? 600));
    if (o.ageSeconds !== null) jwt.setIssuedAt(now - (o.ageSeconds ?? 0));
    return jwt.sign(await importKey(key));
  };

  it.each(['JWT', 'at+jwt', 'application/at+jwt', 'AT+JWT'])('accepts an access token of type %s', async (typ) => {
    await expect(verifier.verify(await token({ typ }))).resolves.toEqual({
      subject: 'county-system',
      roles: ['submitter'],
    });
  });

  it('accepts the tokens of the development issuer', async () => {
    await expect(
      verifier.verify(await issueToken(key, { issuer, audience, subject: 'dev', roles: ['auditor'] })),
    ).resolves.toEqual({ subject: 'dev', roles: ['auditor'] });
  });

  it.each(['id+jwt', 'logout+jwt', 'JOSE', 'secevent+jwt'])(
    'refuses a token of another type (%s) naming the type',
    async (typ) => {
      await expect(verifier.verify(await token({ typ }))).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
        message: `token type (typ) ${typ} is not accepted: an access token is JWT or at+jwt`,
      });
    },
  );

  it('refuses a token without a type', async () => {
    await expect(verifier.verify(await token({}))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('token type (typ) (none) is not accepted'),
    });
  });

  it('refuses a token issued longer ago than the maximum age, even if it has not expired', async () => {
    await expect(
      verifier.verify(await token({ typ: 'JWT', ageSeconds: 3700, ttlSeconds: 86_400 })),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'token is older than 3600 s (iat)' });
    await expect(verifier.verify(await token({ typ: 'JWT', ageSeconds: 3500 }))).resolves.toBeDefined();
  });

  it('refuses a token without iat, since its age cannot be told', async () => {
    await expect(verifier.verify(await token({ typ: 'JWT', ageSeconds: null }))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'token claim iat is not accepted',
    });
  });
});
