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

  it('opens a pending sign-in only from its own sealed value, for its own state, within ten minutes', async () => {
    let now = 1_800_000_000_000;
    const store = new ConsoleSessionStore(60_000, () => now);
    const a = await store.beginLogin({ codeVerifier: 'v', nonce: 'n', returnTo: '/console' });
    const b = await store.beginLogin({ codeVerifier: 'w', nonce: 'm', returnTo: '/console' });
    expect(await store.takeLogin(a.state, a.sealed)).toEqual({ codeVerifier: 'v', nonce: 'n', returnTo: '/console' });
    expect(await store.takeLogin(a.state, b.sealed)).toBeUndefined();
    expect(await store.takeLogin(a.state, undefined)).toBeUndefined();
    expect(await store.takeLogin(a.state, `${a.sealed.slice(0, -2)}AA`)).toBeUndefined();
    // Another process (a restarted gateway) cannot open it: the key is this process's own.
    expect(await new ConsoleSessionStore(60_000, () => now).takeLogin(a.state, a.sealed)).toBeUndefined();
    now += 11 * 60_000;
    expect(await store.takeLogin(b.state, b.sealed)).toBeUndefined();
  });
});
