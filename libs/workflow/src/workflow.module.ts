import { Module } from '@nestjs/common';
import { provideFactory } from '@xietong/config';
import { DivisionCodes } from './division-codes';
import { JurisdictionRouter } from './jurisdiction-router';
import { TimeLimits } from './time-limits';
import { WorkingDayCalendar } from './working-day-calendar';

const providers = [
  provideFactory(WorkingDayCalendar, [], () => WorkingDayCalendar.load()),
  provideFactory(TimeLimits, [WorkingDayCalendar], (calendar) => TimeLimits.load(calendar)),
  provideFactory(DivisionCodes, [], () => DivisionCodes.load()),
  provideFactory(JurisdictionRouter, [], () => JurisdictionRouter.load()),
];

/** The rules of this lib, as data loaded once: calendar, time limits, division codes, jurisdiction. */
@Module({ providers, exports: providers.map((p) => p.provide) })
export class WorkflowModule {}
