import { randomBytes } from 'node:crypto';
import type { Role } from '../auth/roles';

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
  createdAt: number;
}

const ABSOLUTE_MS = 12 * 3_600_000;
const LOGIN_MS = 10 * 60_000;

const token = () => randomBytes(32).toString('base64url');

/**
 * Console sessions of this gateway process, kept on the server (the browser holds only an opaque
 * id). A session ends after `idleMs` without a request, after 12 hours in any case, and at logout.
 * Sessions live in memory: several instances of one gateway need sticky sessions for the console.
 */
export class ConsoleSessionStore {
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly logins = new Map<string, PendingLogin>();

  constructor(
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  beginLogin(login: Omit<PendingLogin, 'createdAt'>): string {
    this.sweep();
    const state = token();
    this.logins.set(state, { ...login, createdAt: this.now() });
    return state;
  }

  /** The pending login of this `state`, once only. */
  takeLogin(state: string): PendingLogin | undefined {
    const login = this.logins.get(state);
    this.logins.delete(state);
    return login && this.now() - login.createdAt <= LOGIN_MS ? login : undefined;
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
    for (const [state, l] of this.logins) if (at - l.createdAt > LOGIN_MS) this.logins.delete(state);
  }
}
