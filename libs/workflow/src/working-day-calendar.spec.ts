import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLocalDate, statutoryHolidays, type StatutoryRule, TimeLimits, WorkingDayCalendar } from '.';

const calendarFile = JSON.parse(readFileSync(join(__dirname, '../data/calendar.json'), 'utf8')) as {
  format: 'xietong-calendar/1';
  statutory: StatutoryRule;
  years: Record<string, { holidays: (string | [string, string])[]; workdays: string[] }>;
};
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
    expect(calendar.addWorkingDays('2026-12-28', 7)).toEqual({ due: '2027-01-07', provisional: true });
    expect(calendar.addWorkingDays('2026-12-01', 7).provisional).toBe(false);
  });

  it('counts New Year of a year whose schedule is not published as a statutory holiday', () => {
    // Friday 2026-12-25: 28, 29, 30, 31 Dec, (1 Jan 元旦), 4, 5, 6 Jan.
    expect(calendar.addWorkingDays('2026-12-25', 7)).toEqual({ due: '2027-01-06', provisional: true });
    expect(calendar.isWorkingDay('2027-01-01')).toBe(false);
  });

  it('counts 除夕 to 初三 of a provisional year, with no substitute or make-up days', () => {
    // 春节 2027: 除夕 Friday 5 Feb to 初三 Monday 8 Feb.
    expect(['2027-02-04', '2027-02-05', '2027-02-08', '2027-02-09'].map((d) => calendar.isWorkingDay(d))).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect(calendar.addWorkingDays('2027-02-01', 5)).toEqual({ due: '2027-02-10', provisional: true });
    // No make-up Saturday is invented around the holiday.
    expect(calendar.isWorkingDay('2027-02-20')).toBe(false);
    expect(calendar.provisionalHolidaysOf(2027)).toEqual(
      expect.arrayContaining([
        { date: '2027-02-05', name: '春节' },
        { date: '2027-04-05', name: '清明节' },
        { date: '2027-06-09', name: '端午节' },
        { date: '2027-09-15', name: '中秋节' },
        { date: '2027-10-03', name: '国庆节' },
      ]),
    );
    expect(calendar.provisionalHolidaysOf(2027)).toHaveLength(13);
  });

  it('moves a calendar-day period ending on a statutory holiday of a provisional year', () => {
    expect(calendar.addCalendarDays('2026-12-02', 30)).toEqual({ due: '2027-01-04', provisional: true });
  });

  it('computes, for every year whose official schedule is loaded, statutory dates the schedule makes holidays', () => {
    const checked = Object.keys(calendarFile.years)
      .map(Number)
      .filter((y) => y >= calendarFile.statutory.effectiveFrom);
    expect(checked.length).toBeGreaterThanOrEqual(2);
    for (const year of checked) {
      const published = new Set<number>();
      for (const h of calendarFile.years[String(year)].holidays) {
        const [from, to] = typeof h === 'string' ? [h, h] : h;
        for (let d = parseLocalDate(from); d <= parseLocalDate(to); d++) published.add(d);
      }
      const computed = statutoryHolidays(calendarFile.statutory, year);
      expect(computed).toHaveLength(13);
      const missing = computed.filter((h) => !published.has(parseLocalDate(h.date)));
      expect({ year, missing }).toEqual({ year, missing: [] });
      // A loaded year takes the published schedule, not the computed dates.
      expect(calendar.provisionalHolidaysOf(year)).toEqual([]);
    }
  });

  it('counts no statutory holidays before the 2024 revision took effect', () => {
    expect(calendar.provisionalHolidaysOf(2024)).toEqual([]);
    expect(calendar.isWorkingDay('2024-10-01')).toBe(true);
  });

  it('refuses a statutory rule it cannot compute when the calendar is loaded', () => {
    const bad = {
      ...calendarFile,
      statutory: { ...calendarFile.statutory, days: [{ name: 'x', solarTerm: '清明节' }] },
    };
    expect(() => new WorkingDayCalendar(bad)).toThrow(/statutory x cannot be computed/);
    const badDate = {
      ...calendarFile,
      statutory: { ...calendarFile.statutory, days: [{ name: 'y', solar: ['02-30'] }] },
    };
    expect(() => new WorkingDayCalendar(badDate)).toThrow(/YYYY-MM-DD/);
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
