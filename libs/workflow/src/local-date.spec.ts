import { shanghaiDate, shanghaiDateTime, shanghaiDayStart, shanghaiMonthStart } from './local-date';

describe('Asia/Shanghai local time, written in one place', () => {
  it('gives the local date and wall-clock time of an instant', () => {
    const at = new Date('2026-12-31T16:30:05Z');
    expect(shanghaiDate(at)).toBe('2027-01-01');
    expect(shanghaiDateTime(at)).toBe('2027-01-01 00:30:05');
    expect(shanghaiDateTime(null)).toBe('');
  });

  it('starts a local day and a month at 00:00 +08:00', () => {
    expect(shanghaiDayStart('2026-12-07').toISOString()).toBe('2026-12-06T16:00:00.000Z');
    expect(shanghaiDayStart('2026-12-07', 'from', 1).toISOString()).toBe('2026-12-07T16:00:00.000Z');
    expect(shanghaiMonthStart(2026, 13).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(() => shanghaiDayStart('2026-02-30', 'from')).toThrow(/from must be a date/);
  });
});
