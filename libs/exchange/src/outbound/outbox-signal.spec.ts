import { OutboxSignal } from './outbox-signal';

describe('OutboxSignal', () => {
  it('wakes a waiting relay at once', async () => {
    const s = new OutboxSignal();
    const t0 = Date.now();
    const waiting = s.wait(60_000);
    s.notify();
    await waiting;
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('keeps a wake-up that came while the relay was busy, for its next wait, once', async () => {
    const s = new OutboxSignal();
    s.notify();
    s.notify();
    const t0 = Date.now();
    await s.wait(60_000);
    expect(Date.now() - t0).toBeLessThan(1000);
    // Two notifications while busy are one wake-up: the next wait runs its time.
    const t1 = Date.now();
    await s.wait(200);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(150);
  });
});
