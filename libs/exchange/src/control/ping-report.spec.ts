import { pingReport } from './ping-report';

const queuedAt = new Date('2026-12-07T10:00:00Z');
const row = (over: Partial<Parameters<typeof pingReport>[0]> = {}) => ({
  messageId: 'p-1',
  recipient: '330100',
  createdAt: queuedAt,
  status: 'pending' as const,
  reasonCode: null,
  reason: null,
  sentAt: null,
  receiptAt: null,
  ...over,
});
const after = (ms: number) => new Date(queuedAt.getTime() + ms);

describe('pingReport', () => {
  it('reports an ACCEPTED receipt as ok with the round trip from queued to receipt', () => {
    const r = pingReport(
      row({ status: 'accepted', sentAt: after(40), receiptAt: after(250) }),
      null,
      true,
      10_000,
      after(300),
    );
    expect(r).toMatchObject({ state: 'answered', result: 'ok', hop: null, roundTripMs: 250 });
    expect(r.publishedAt).toBe('2026-12-07T10:00:00.040Z');
  });

  it('names the partner when it answered REJECTED, with its reason code', () => {
    const r = pingReport(
      row({ status: 'rejected', reasonCode: 'RATE_LIMITED', reason: 'too many', receiptAt: after(90) }),
      null,
      true,
      10_000,
      after(100),
    );
    expect(r).toMatchObject({ result: 'rejected', hop: 'partner', reasonCode: 'RATE_LIMITED' });
  });

  it('waits on the partner once published, and calls it stalled there past the timeout', () => {
    expect(pingReport(row({ status: 'sent', sentAt: after(30) }), null, true, 10_000, after(2_000))).toMatchObject({
      state: 'published',
      result: 'pending',
      hop: 'partner',
    });
    const stalled = pingReport(row({ status: 'sent', sentAt: after(30) }), null, true, 10_000, after(10_001));
    expect(stalled).toMatchObject({ result: 'stalled', hop: 'partner' });
    expect(stalled.detail).toMatch(/no receipt from 330100 within 10000 ms: its inbound or its gateway is down/);
  });

  it('names our relay when the broker is up and no relay took the row, the broker when it refused or is down', () => {
    const queue = { status: 'pending' as const, attempts: 0, lastError: null };
    expect(pingReport(row(), queue, true, 10_000, after(11_000))).toMatchObject({
      state: 'queued',
      result: 'stalled',
      hop: 'relay',
      detail: expect.stringMatching(/no relay of this gateway has taken it/),
    });
    expect(pingReport(row(), queue, false, 10_000, after(11_000))).toMatchObject({ hop: 'broker' });
    const tried = { status: 'pending' as const, attempts: 3, lastError: 'Connection timeout' };
    expect(pingReport(row(), tried, true, 10_000, after(11_000)).detail).toMatch(
      /after 3 attempt\(s\) of our relay: Connection timeout/,
    );
  });

  it('names the broker for a record it refused for good', () => {
    expect(
      pingReport(row({ status: 'failed', reason: 'RECORD_TOO_LARGE' }), null, true, 10_000, after(100)),
    ).toMatchObject({ state: 'failed', result: 'failed', hop: 'broker' });
  });
});
