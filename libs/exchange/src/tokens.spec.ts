import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DivisionCodes, TimeLimits, WorkingDayCalendar } from '@xietong/workflow';
import { AgencyId, Logs, provideFactory, provideValue, SchedulerSettings, token, type Log } from './tokens';

/** A service as the exchange writes them: dependencies by constructor type, tokens included. */
@Injectable()
class Greeter {
  private readonly log: Log;
  constructor(
    readonly self: AgencyId,
    readonly settings: SchedulerSettings,
    readonly calendar: WorkingDayCalendar,
    logs: Logs,
  ) {
    this.log = logs('Greeter');
  }
  greet(): string {
    this.log('log', `hello from ${this.self}`);
    return this.self;
  }
}

describe('typed injection tokens', () => {
  it('resolve constructor parameters by their type, in any order', async () => {
    const lines: string[] = [];
    const module = await Test.createTestingModule({
      providers: [
        provideValue(Logs, (context) => (level, message) => lines.push(`${context} ${level} ${message}`)),
        provideFactory(WorkingDayCalendar, [], () => WorkingDayCalendar.load()),
        provideValue(SchedulerSettings, { intervalMs: 10, reminderIntervalHours: 24 }),
        provideValue(AgencyId, '341825'),
        Greeter,
      ],
    }).compile();
    const greeter = module.get(Greeter);
    expect(greeter.greet()).toBe('341825');
    expect(greeter.settings).toEqual({ intervalMs: 10, reminderIntervalHours: 24 });
    expect(greeter.calendar).toBeInstanceOf(WorkingDayCalendar);
    expect(lines).toEqual(['Greeter log hello from 341825']);
  });

  it('name the missing token when a provider is left out', async () => {
    const building = Test.createTestingModule({
      providers: [provideValue(AgencyId, '341825'), provideValue(Logs, () => () => undefined), Greeter],
    }).compile();
    await expect(building).rejects.toThrow(/SchedulerSettings/);
  });

  it('give a factory its dependencies in the order of its inject list', async () => {
    const module = await Test.createTestingModule({
      providers: [
        provideFactory(WorkingDayCalendar, [], () => WorkingDayCalendar.load()),
        provideFactory(TimeLimits, [WorkingDayCalendar], (calendar) => TimeLimits.load(calendar)),
      ],
    }).compile();
    expect(module.get(TimeLimits)).toBeInstanceOf(TimeLimits);
  });

  it('keep distinct tokens of the same type apart', async () => {
    const Left = token<string>('Left');
    const Right = token<string>('Right');
    const module = await Test.createTestingModule({
      providers: [provideValue(Left, 'left'), provideValue(Right, 'right')],
    }).compile();
    expect([module.get(Left), module.get(Right)]).toEqual(['left', 'right']);
    expect(Left.name).toBe('Left');
  });
});

/**
 * Wiring mistakes that must not compile (`npm run typecheck` fails if one of them does): a
 * config value of the wrong type, swapped factory dependencies, a factory building the wrong class.
 */
export const wiringMistakes = [
  // @ts-expect-error the agency id is a string
  provideValue(AgencyId, 341825),
  // @ts-expect-error scheduler settings need reminderIntervalHours
  provideValue(SchedulerSettings, { intervalMs: 10 }),
  // @ts-expect-error TimeLimits.load takes the calendar, not the division codes
  provideFactory(TimeLimits, [DivisionCodes], (calendar) => TimeLimits.load(calendar)),
  // @ts-expect-error the factory of TimeLimits must return TimeLimits
  provideFactory(TimeLimits, [], () => DivisionCodes.load()),
];
