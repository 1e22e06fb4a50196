import { ConsoleSessionStore } from './console-session.store';

describe('ConsoleSessionStore', () => {
  const who = { subject: 'u1', name: '李承办', roles: ['handler' as const], idToken: 'id.token.x' };

  it('ends a session after the idle time, and keeps it alive while it is used', () => {
    let now = 0;
    const store = new ConsoleSessionStore(30 * 60_000, () => now);
    const s = store.create(who);
    now += 29 * 60_000;
    expect(store.touch(s.id)?.subject).toBe('u1');
    now += 29 * 60_000;
    expect(store.touch(s.id)?.subject).toBe('u1');
    now += 31 * 60_000;
    expect(store.touch(s.id)).toBeUndefined();
  });

  it('ends every session after 12 hours, however active', () => {
    let now = 0;
    const store = new ConsoleSessionStore(30 * 60_000, () => now);
    const s = store.create(who);
    for (let i = 0; i < 48; i++) {
      now += 15 * 60_000;
      expect(store.touch(s.id)).toBeDefined();
    }
    now += 60_000;
    expect(store.touch(s.id)).toBeUndefined();
  });

  it('gives each session its own unguessable id and CSRF token, and forgets it at logout', () => {
    const store = new ConsoleSessionStore(60_000);
    const a = store.create(who);
    const b = store.create(who);
    expect(a.id).not.toBe(b.id);
    expect(a.csrf).not.toBe(a.id);
    expect(a.id).toMatch(/^[\w-]{43}$/);
    expect(store.end(a.id)?.subject).toBe('u1');
    expect(store.touch(a.id)).toBeUndefined();
    expect(store.touch(b.id)).toBeDefined();
  });

  it('accepts a login callback once, and not after ten minutes', () => {
    let now = 0;
    const store = new ConsoleSessionStore(60_000, () => now);
    const state = store.beginLogin({ codeVerifier: 'v', nonce: 'n', returnTo: '/console' });
    expect(store.takeLogin(state)?.codeVerifier).toBe('v');
    expect(store.takeLogin(state)).toBeUndefined();
    const late = store.beginLogin({ codeVerifier: 'v', nonce: 'n', returnTo: '/console' });
    now += 11 * 60_000;
    expect(store.takeLogin(late)).toBeUndefined();
  });
});
