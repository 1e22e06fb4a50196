import { shanghaiDateTime } from '@xietong/workflow';
import type { ConsoleContext } from '../console-context';
import { select } from '../console-layout';
import type { Html } from '../html';
import { tr } from '../labels';

/** A partner agency of the zone (from the manifest). */
export interface Member {
  id: string;
}

/** The select of partner agencies of a filter form. */
export function partnerSelect(c: ConsoleContext, members: Member[], current: string | undefined, label?: string): Html {
  return select(
    'partner',
    label ?? tr(c.lang, '对方机构', 'Partner'),
    members.map((m) => [m.id, c.name(m.id)]),
    current,
  );
}

/** The URL of a case page or of a route under it, always naming the partner. */
export const caseUrl = (kind: string, caseNo: string, partner: string, sub = '') =>
  `/console/cases/${kind}/${encodeURIComponent(caseNo)}${sub ? `/${sub}` : ''}?partner=${partner}`;

export const localTime = shanghaiDateTime;

/** `working` days or calendar days left on a clock, or (late) how many past it. */
export interface Countdown {
  late: boolean;
  days: number;
  working: boolean;
}

export function countdownText(c: ConsoleContext, d: Countdown | null): string {
  if (!d) return '—';
  const unit = d.working ? tr(c.lang, '个工作日', ' working days') : tr(c.lang, '天', ' days');
  return d.late
    ? tr(c.lang, `已逾期 ${d.days} ${unit}`, `${d.days}${unit} late`)
    : tr(c.lang, `剩余 ${d.days} ${unit}`, `${d.days}${unit} left`);
}
