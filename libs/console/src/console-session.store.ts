import { randomBytes } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { Role } from '@xietong/exchange';

export interface ConsoleSession {
  id: string;
  subject: string;
  /** Display name from the ID token (name or preferred_username), else the subject. */
  name: string;
  roles: Role[];
  /** Sent back with every form and state-changing request (double submit is not enough: it is bound here). */
  csrf: string;
  idToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface PendingLogin {
  codeVerifier: string;
  nonce: string;
  returnTo: string;
}

const ABSOLUTE_MS = 12 * 3_600_000;
/** How long a sign-in may take at the provider (the login cookie's Max-Age). */
export const LOGIN_SECONDS = 600;

const token = () => randomBytes(32).toString('base64url');

/**
 * Console sessions of this gateway process, kept on the server (the browser holds only an opaque
 * id). A session ends after `idleMs` without a request, after 12 hours in any case, and at logout.
 * Sessions live in memory: several instances of one gateway need sticky sessions for the console.
 *
 * A pending sign-in is kept by the browser, not here: its PKCE verifier, nonce and return path are
 * sealed (A256GCM, a key of this process) into the login cookie together with `state`, so the
 * callback completes only in the browser that began it (RFC 9700 §4.7.1), and anonymous calls to
 * the login page hold no memory on the server.
 */
export class ConsoleSessionStore {
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly loginKey = randomBytes(32);

  constructor(
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new sign-in: the `state` for the provider and the sealed value of the browser's login cookie. */
  async beginLogin(login: PendingLogin): Promise<{ state: string; sealed: string }> {
    const state = token();
    const at = Math.floor(this.now() / 1000);
    const sealed = await new EncryptJWT({ ...login, state })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt(at)
      .setExpirationTime(at + LOGIN_SECONDS)
      .encrypt(this.loginKey);
    return { state, sealed };
  }

  /**
   * The pending sign-in sealed in this browser's cookie, if it is the one `state` names and not
   * older than ten minutes; undefined otherwise (no cookie, another browser's, forged, expired).
   */
  async takeLogin(state: string, sealed: string | undefined): Promise<PendingLogin | undefined> {
    if (!sealed) return undefined;
    try {
      const { payload } = await jwtDecrypt(sealed, this.loginKey, {
        currentDate: new Date(this.now()),
        contentEncryptionAlgorithms: ['A256GCM'],
        keyManagementAlgorithms: ['dir'],
      });
      if (payload.state !== state) return undefined;
      const { codeVerifier, nonce, returnTo } = payload as Record<string, unknown>;
      if (typeof codeVerifier !== 'string' || typeof nonce !== 'string' || typeof returnTo !== 'string')
        return undefined;
      return { codeVerifier, nonce, returnTo };
    } catch {
      return undefined;
    }
  }

  create(s: Pick<ConsoleSession, 'subject' | 'name' | 'roles' | 'idToken'>): ConsoleSession {
    this.sweep();
    const at = this.now();
    const session: ConsoleSession = { ...s, id: token(), csrf: token(), createdAt: at, lastSeenAt: at };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of this id (and it counts as activity), or undefined once it expired. */
  touch(id: string | undefined): ConsoleSession | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const at = this.now();
    if (this.expired(s, at)) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastSeenAt = at;
    return s;
  }

  end(id: string): ConsoleSession | undefined {
    const s = this.sessions.get(id);
    this.sessions.delete(id);
    return s;
  }

  private expired(s: ConsoleSession, at: number): boolean {
    return at - s.lastSeenAt > this.idleMs || at - s.createdAt > ABSOLUTE_MS;
  }

  private sweep(): void {
    const at = this.now();
    for (const [id, s] of this.sessions) if (this.expired(s, at)) this.sessions.delete(id);
  }
}
