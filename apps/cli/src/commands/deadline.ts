import { type Command, InvalidArgumentError } from 'commander';
import { TimeLimits, WorkingDayCalendar } from '@xietong/workflow';
import type { CliDeps } from '../cli-io';
import { positiveInt } from '../options';

/** `deadline`: due dates on the working-day calendar. */
export function registerDeadlineCommands(program: Command, { io }: CliDeps): void {
  program
    .command('deadline')
    .description('due date of a time limit on the working-day calendar (libs/workflow/data)')
    .requiredOption('--received <date>', 'day the clock starts (not counted), YYYY-MM-DD')
    .option('--working-days <n>', 'count this many working days', positiveInt)
    .option('--days <n>', 'count this many calendar days', positiveInt)
    .option('--limit <id>', 'a named time limit, e.g. lead-feedback, complaint-acceptance (see --list)')
    .option('--extensions <n>', 'extensions granted for --limit', (v) => Number(v), 0)
    .option('--list', 'list the named time limits')
    .action(
      (o: {
        received: string;
        workingDays?: number;
        days?: number;
        limit?: string;
        extensions: number;
        list?: boolean;
      }) => {
        const calendar = WorkingDayCalendar.load();
        const limits = TimeLimits.load(calendar);
        if (o.list) {
          for (const l of limits.all())
            io.out(
              `${l.id}\t${l.days} ${l.unit} days${l.extension ? ` (+${l.extension.days} x${l.extension.times})` : ''}\t${l.name}${l.check ? ' (check)' : ''}`,
            );
          return;
        }
        const chosen = [o.workingDays, o.days, o.limit].filter((x) => x !== undefined).length;
        if (chosen !== 1) throw new InvalidArgumentError('give exactly one of --working-days, --days or --limit');
        const due = o.limit
          ? limits.due(o.limit, o.received, o.extensions)
          : o.workingDays !== undefined
            ? calendar.addWorkingDays(o.received, o.workingDays)
            : calendar.addCalendarDays(o.received, o.days!);
        io.out(due.provisional ? `${due.due} (${provisionalNote(calendar, o.received, due.due)})` : due.due);
      },
    );
}

/** Why a due date is provisional: the years counted whose State Council schedule is not loaded. */
function provisionalNote(calendar: WorkingDayCalendar, received: string, due: string): string {
  const loaded = new Set(calendar.loadedYears());
  const missing: number[] = [];
  for (let y = Number(received.slice(0, 4)); y <= Number(due.slice(0, 4)); y++) if (!loaded.has(y)) missing.push(y);
  return (
    `provisional: no published holiday schedule for ${missing.join(', ')}; ` +
    'statutory holidays counted, substitute days off and make-up working days unknown'
  );
}
