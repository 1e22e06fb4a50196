import { TimeLimits, WorkingDayCalendar } from '.';

const calendar = WorkingDayCalendar.load();
const limits = TimeLimits.load(calendar);

describe('WorkingDayCalendar', () => {
  it.each([
    ['2025-01-24', 7, '2025-02-10'],
    ['2025-01-24', 15, '2025-02-20'],
    ['2026-02-11', 7, '2026-02-27'],
  ])('matches the worked example: received %s, %i working days -> %s', (from, n, due) => {
    expect(calendar.addWorkingDays(from, n)).toEqual({ due, provisional: false });
  });

  it('skips the National Day block and counts the make-up Saturday after it', () => {
    // 10/1-10/8 off; 10/11 (Saturday) is a make-up working day.
    expect(calendar.addWorkingDays('2025-09-30', 3).due).toBe('2025-10-11');
    expect(calendar.addWorkingDays('2025-09-30', 7).due).toBe('2025-10-16');
  });

  it('can end on a make-up Saturday', () => {
    expect(calendar.addWorkingDays('2026-02-09', 5).due).toBe('2026-02-14');
    expect(calendar.addWorkingDays('2026-02-11', 8).due).toBe('2026-02-28');
  });

  it('does not count the day of receipt, even when it is a working day', () => {
    expect(calendar.addWorkingDays('2026-11-27', 1).due).toBe('2026-11-30');
  });

  it('marks a deadline that runs into a year not loaded as provisional', () => {
    expect(calendar.addWorkingDays('2026-12-28', 7)).toEqual({ due: '2027-01-06', provisional: true });
    expect(calendar.addWorkingDays('2026-12-01', 7).provisional).toBe(false);
  });

  it('knows holidays and make-up days', () => {
    expect(calendar.isWorkingDay('2026-10-01')).toBe(false);
    expect(calendar.isWorkingDay('2026-10-10')).toBe(true);
    expect(calendar.isWorkingDay('2026-11-28')).toBe(false);
    expect(calendar.workingDaysBetween('2025-01-24', '2025-02-10')).toBe(7);
  });

  it('refuses impossible dates and counts', () => {
    expect(() => calendar.addWorkingDays('2026-02-30', 7)).toThrow(/YYYY-MM-DD/);
    expect(() => calendar.addWorkingDays('2026-02-11', 0)).toThrow(/positive integer/);
  });
});

describe('TimeLimits', () => {
  it('computes each limit of the county mechanism and the regulations', () => {
    expect(limits.due('lead-feedback', '2026-02-11').due).toBe('2026-02-27');
    expect(limits.due('complaint-acceptance', '2025-01-24').due).toBe('2025-02-10');
    expect(limits.due('lead-verification', '2025-01-24').due).toBe('2025-02-20');
    expect(limits.due('case-decision', '2026-01-10').due).toBe('2026-04-10');
    expect(limits.due('case-decision', '2026-01-10', 1).due).toBe('2026-05-10');
  });

  it('moves a calendar-day period ending on a statutory holiday to the first working day after the block', () => {
    expect(calendar.addCalendarDays('2026-07-03', 90)).toEqual({ due: '2026-10-08', provisional: false });
    expect(limits.due('case-decision', '2026-07-03').due).toBe('2026-10-08');
    // A plain weekend is not a statutory holiday: the period ends on it.
    expect(calendar.addCalendarDays('2026-11-06', 1).due).toBe('2026-11-07');
    // The extension runs from the moved end of the base period, and is moved on its own.
    expect(limits.due('case-decision', '2026-07-03', 1).due).toBe('2026-11-07');
    expect(limits.due('case-decision', '2026-06-03', 1)).toMatchObject({ due: '2026-10-08' });
    expect(calendar.addCalendarDays('2026-12-25', 30).provisional).toBe(true);
  });

  it('allows only the extensions the regulation allows', () => {
    expect(limits.due('lead-verification', '2025-01-24', 1).due).toBe(calendar.addWorkingDays('2025-01-24', 30).due);
    expect(() => limits.due('lead-verification', '2025-01-24', 2)).toThrow(/extended 1 time/);
    expect(() => limits.due('lead-feedback', '2025-01-24', 1)).toThrow(/extended 0 time/);
    expect(() => limits.due('nope', '2025-01-24')).toThrow(/no time limit "nope"/);
  });
});
