import { LunarDay, type SolarDay, SolarTerm } from 'tyme4ts';
import { DomainError } from '@xietong/contracts';
import { formatLocalDate, parseLocalDate } from './local-date';

/** One statutory holiday of the rule, by the calendar its date is fixed in. */
export type StatutoryDay =
  /** Gregorian dates, `MM-DD`. */
  | { name: string; solar: string[] }
  /** A lunar date `MM-DD` of the lunar year that begins in the Gregorian year, widened by day offsets. */
  | { name: string; lunar: string; fromOffset?: number; toOffset?: number }
  /** The day of a solar term (节气) in the Gregorian year, e.g. 清明. */
  | { name: string; solarTerm: string };

/** The holidays every citizen has by law, before the State Council fixes the year's schedule. */
export interface StatutoryRule {
  source: string;
  /** First Gregorian year the rule applies to. */
  effectiveFrom: number;
  days: StatutoryDay[];
}

export interface StatutoryHoliday {
  date: string;
  name: string;
}

const MONTH_DAY = /^(\d{2})-(\d{2})$/;

function monthDay(v: string, what: string): [number, number] {
  const m = MONTH_DAY.exec(v);
  if (!m) throw new DomainError('CONFIG_INVALID', `calendar statutory ${what} must be MM-DD, got "${v}"`);
  return [Number(m[1]), Number(m[2])];
}

/**
 * The statutory holidays of `year` under `rule` (none before the rule took effect), with lunar
 * dates and solar terms from tyme4ts. No substitute days and no make-up working days: those are
 * fixed only by the year's State Council notice.
 */
export function statutoryHolidays(rule: StatutoryRule, year: number): StatutoryHoliday[] {
  if (year < rule.effectiveFrom) return [];
  const out: StatutoryHoliday[] = [];
  for (const d of rule.days) {
    try {
      if ('solar' in d) {
        for (const md of d.solar) {
          const [m, day] = monthDay(md, d.name);
          const iso = `${year}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
          parseLocalDate(iso, `statutory ${d.name}`);
          out.push({ date: iso, name: d.name });
        }
      } else if ('lunar' in d) {
        const [m, day] = monthDay(d.lunar, d.name);
        const anchor = parseLocalDate(isoOf(LunarDay.fromYmd(year, m, day).getSolarDay()), d.name);
        for (let o = d.fromOffset ?? 0; o <= (d.toOffset ?? 0); o++)
          out.push({ date: formatLocalDate(anchor + o), name: d.name });
      } else {
        out.push({ date: isoOf(SolarTerm.fromName(year, d.solarTerm).getSolarDay()), name: d.name });
      }
    } catch (e) {
      if (e instanceof DomainError) throw e;
      throw new DomainError(
        'CONFIG_INVALID',
        `calendar statutory ${d.name} cannot be computed for ${year}: ${(e as Error).message}`,
      );
    }
  }
  return out;
}

function isoOf(d: SolarDay): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${String(d.getYear()).padStart(4, '0')}-${pad(d.getMonth())}-${pad(d.getDay())}`;
}
