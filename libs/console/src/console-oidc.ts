import { readSecretFile, type ConsoleConfig } from '@xietong/config';
import { DomainError } from '@xietong/contracts';
import { type Role, ROLES } from '@xietong/exchange';

type OpenIdClient = typeof import('openid-client');
type Configuration = import('openid-client').Configuration;

export interface SignedIn {
  subject: string;
  name: string;
  roles: Role[];
  idToken: string;
}

/**
 * The gateway as an OpenID Connect client of the agency's identity provider: authorization code
 * with PKCE, tokens kept on the server. openid-client is an ES module; it is loaded with import()
 * (Node 20's require(esm) once compiled), and the provider's metadata is discovered on first use,
 * so a gateway starts while its identity provider is down.
 */
export class ConsoleOidc {
  private client?: Promise<{ lib: OpenIdClient; config: Configuration }>;
  /** Read at start, so a missing or group-readable secret file stops the gateway at once. */
  private readonly clientSecret?: string;

  constructor(private readonly settings: ConsoleConfig) {
    if (settings.clientSecretFile)
      this.clientSecret = readSecretFile(settings.clientSecretFile, 'XIETONG_OIDC_CLIENT_SECRET_FILE').trim();
  }

  async authorizationUrl(redirectUri: string, state: string, codeVerifier: string, nonce: string): Promise<URL> {
    const { lib, config } = await this.discover();
    return lib.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile roles',
      code_challenge: await lib.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
  }

  async randoms(): Promise<{ codeVerifier: string; nonce: string }> {
    const { lib } = await this.discover();
    return { codeVerifier: lib.randomPKCECodeVerifier(), nonce: lib.randomNonce() };
  }

  /** Exchanges the code of the callback URL; roles come from the ID token's `roles` claim. */
  async finish(callbackUrl: URL, expected: { state: string; codeVerifier: string; nonce: string }): Promise<SignedIn> {
    const { lib, config } = await this.discover();
    const tokens = await lib.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: expected.codeVerifier,
      expectedState: expected.state,
      expectedNonce: expected.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    const roles = Array.isArray(claims.roles)
      ? claims.roles.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r))
      : [];
    const name = [claims.name, claims.preferred_username, claims.sub].find((v) => typeof v === 'string' && v);
    return { subject: claims.sub, name: String(name), roles, idToken: tokens.id_token! };
  }

  /** The provider's end-session URL, when it has one. */
  async logoutUrl(idToken: string, postLogoutRedirectUri: string): Promise<URL | undefined> {
    const { lib, config } = await this.discover();
    if (!config.serverMetadata().end_session_endpoint) return undefined;
    return lib.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirectUri });
  }

  private discover(): Promise<{ lib: OpenIdClient; config: Configuration }> {
    this.client ??= (async () => {
      const lib = await import('openid-client');
      const issuer = new URL(this.settings.issuer);
      const config = await lib.discovery(
        issuer,
        this.settings.clientId,
        this.clientSecret,
        this.clientSecret ? undefined : lib.None(),
        // Plain HTTP only for a provider on this machine (development, tests).
        isLoopback(issuer) ? { execute: [lib.allowInsecureRequests] } : undefined,
      );
      return { lib, config };
    })().catch((e: unknown) => {
      this.client = undefined;
      throw new DomainError(
        'AUTH_UNAVAILABLE',
        `the identity provider ${this.settings.issuer} could not be reached: ${(e as Error).message}`,
      );
    });
    return this.client;
  }
}

function isLoopback(u: URL): boolean {
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}
