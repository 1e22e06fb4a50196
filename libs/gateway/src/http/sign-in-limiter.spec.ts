import express from 'express';
import request from 'supertest';
import { FixedWindowLimiter, signInRateLimit } from './sign-in-limiter';

describe('FixedWindowLimiter', () => {
  it('allows `limit` requests of a client per window, then refuses until the window ends', () => {
    let now = 0;
    const l = new FixedWindowLimiter(3, 60_000, () => now);
    expect([1, 2, 3, 4].map(() => l.allow('a'))).toEqual([true, true, true, false]);
    expect(l.allow('b')).toBe(true);
    now += 30_000;
    expect(l.allow('a')).toBe(false);
    expect(l.retryAfter()).toBe(30);
    now += 30_000;
    expect(l.allow('a')).toBe(true);
  });

  it('never holds more than 10,000 addresses: newcomers beyond share one count', () => {
    const l = new FixedWindowLimiter(5, 60_000, () => 0);
    for (let i = 0; i < 20_000; i++) l.allow(`10.0.${i >> 8}.${i & 255}`);
    expect(l.size).toBeLessThanOrEqual(10_001);
    expect(l.allow('192.0.2.1')).toBe(false);
    expect(l.allow('10.0.0.1')).toBe(true);
  });
});

describe('signInRateLimit', () => {
  const app = express();
  app.use(signInRateLimit(new FixedWindowLimiter(2, 60_000)));
  app.get(['/console/login', '/console/callback', '/console/inbox', '/api/v1/cases'], (_, res) => res.send('ok'));

  it('answers 429 with Retry-After past the limit on the sign-in pages only', async () => {
    expect((await request(app).get('/console/login')).status).toBe(200);
    expect((await request(app).get('/console/callback')).status).toBe(200);
    const refused = await request(app).get('/console/login');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await request(app).get('/console/inbox')).status).toBe(200);
    expect((await request(app).get('/api/v1/cases')).status).toBe(200);
  });
});
