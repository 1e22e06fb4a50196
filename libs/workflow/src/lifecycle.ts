import { DomainError, type CaseKindName } from '@xietong/contracts';

/** States of a transferred lead, kept the same on both gateways. */
export const LEAD_STATES = [
  'TRANSFERRED',
  'RECEIVED',
  'VERIFYING',
  'CASE_OPENED',
  'NOT_OPENED',
  'TRANSFERRED_ON',
  'RETURNED',
  'DISPOSED',
  'CLOSED',
] as const;
export type LeadState = (typeof LEAD_STATES)[number];

/** States of a transferred complaint. */
export const COMPLAINT_STATES = [
  'FORWARDED',
  'AWAITING_TRIAGE',
  'ACCEPTED',
  'REJECTED',
  'MEDIATING',
  'SETTLED',
  'MEDIATION_ENDED',
  'WITHDRAWN',
  'CLOSED',
] as const;
export type ComplaintState = (typeof COMPLAINT_STATES)[number];

/**
 * States of an assistance request (协查): the requesting agency's file is REQUESTED until the
 * assisting agency's receipt, then both are RECEIVED; the reply completes it, completes it in part
 * (with a reason), or extends it once, asked before the period ends, to the date it names.
 */
export const ASSISTANCE_STATES = ['REQUESTED', 'RECEIVED', 'EXTENDED', 'COMPLETED', 'PARTIAL'] as const;
export type AssistanceState = (typeof ASSISTANCE_STATES)[number];

export type CaseKind = CaseKindName;
export type CaseState = LeadState | ComplaintState | AssistanceState;

/** Every state of each kind of case file. */
export const CASE_STATES: Record<CaseKind, readonly CaseState[]> = {
  LEAD: LEAD_STATES,
  COMPLAINT: COMPLAINT_STATES,
  ASSISTANCE: ASSISTANCE_STATES,
};

const DECISIONS: LeadState[] = ['CASE_OPENED', 'NOT_OPENED', 'TRANSFERRED_ON', 'RETURNED'];

/**
 * Allowed transitions. The transferor may see feedback before the receipt of the lead (they travel
 * on different partitions), so decisions are allowed from TRANSFERRED too.
 */
const LEAD: Record<LeadState, LeadState[]> = {
  TRANSFERRED: ['RECEIVED', 'VERIFYING', ...DECISIONS],
  RECEIVED: ['VERIFYING', ...DECISIONS],
  VERIFYING: DECISIONS,
  CASE_OPENED: ['DISPOSED', 'CLOSED'],
  DISPOSED: ['CLOSED'],
  NOT_OPENED: [],
  TRANSFERRED_ON: [],
  RETURNED: [],
  CLOSED: [],
};

const OPEN_COMPLAINT: ComplaintState[] = [
  'FORWARDED',
  'AWAITING_TRIAGE',
  'ACCEPTED',
  'MEDIATING',
  'SETTLED',
  'MEDIATION_ENDED',
];

const COMPLAINT: Record<ComplaintState, ComplaintState[]> = {
  FORWARDED: ['AWAITING_TRIAGE', 'ACCEPTED', 'REJECTED'],
  AWAITING_TRIAGE: ['ACCEPTED', 'REJECTED'],
  ACCEPTED: ['MEDIATING', 'CLOSED'],
  MEDIATING: ['SETTLED', 'MEDIATION_ENDED'],
  SETTLED: ['CLOSED'],
  MEDIATION_ENDED: ['CLOSED'],
  REJECTED: [],
  WITHDRAWN: [],
  CLOSED: [],
};

const ASSISTANCE: Record<AssistanceState, AssistanceState[]> = {
  REQUESTED: ['RECEIVED', 'EXTENDED', 'COMPLETED', 'PARTIAL'],
  RECEIVED: ['EXTENDED', 'COMPLETED', 'PARTIAL'],
  EXTENDED: ['COMPLETED', 'PARTIAL'],
  COMPLETED: [],
  PARTIAL: [],
};

const TRANSITIONS: Record<CaseKind, Partial<Record<CaseState, readonly CaseState[]>>> = {
  LEAD,
  COMPLAINT,
  ASSISTANCE,
};

/** The state a case file opens in, on the transferor's side and on the handler's. */
export const OPENING_STATE: Record<CaseKind, Record<'transferor' | 'handler', CaseState>> = {
  LEAD: { transferor: 'TRANSFERRED', handler: 'RECEIVED' },
  COMPLAINT: { transferor: 'FORWARDED', handler: 'FORWARDED' },
  ASSISTANCE: { transferor: 'REQUESTED', handler: 'RECEIVED' },
};

/** The transferor's state once the handler's receipt says it received the case (else unchanged). */
export const STATE_ON_RECEIPT: Record<CaseKind, Partial<Record<CaseState, CaseState>>> = {
  LEAD: { TRANSFERRED: 'RECEIVED' },
  COMPLAINT: {},
  ASSISTANCE: { REQUESTED: 'RECEIVED' },
};

/**
 * The clock (id in data/time-limits.json) that runs while a case is in a state; a state not
 * listed runs none. These are the rules of DOMAIN.md's time limits, as data.
 */
export const CLOCK_IN_STATE: Record<CaseKind, Partial<Record<CaseState, string>>> = {
  LEAD: {
    TRANSFERRED: 'lead-feedback',
    RECEIVED: 'lead-feedback',
    VERIFYING: 'lead-verification',
    CASE_OPENED: 'case-decision',
  },
  COMPLAINT: {
    FORWARDED: 'complaint-acceptance',
    AWAITING_TRIAGE: 'complaint-acceptance',
    ACCEPTED: 'complaint-mediation',
    MEDIATING: 'complaint-mediation',
  },
  ASSISTANCE: {
    REQUESTED: 'assistance',
    RECEIVED: 'assistance',
    EXTENDED: 'assistance',
  },
};

/** Clocks counted from the day the handler received the case, not from the state's first day. */
export const CLOCKS_FROM_RECEIPT: readonly string[] = [
  'lead-feedback',
  'lead-verification',
  'complaint-acceptance',
  'assistance',
];

/** Clocks whose due date the handler's report may set itself (a case's own decision deadline). */
export const CLOCKS_WITH_REPORTED_DUE: readonly string[] = ['case-decision', 'assistance'];

/**
 * States that may only be reported while the clock of the current state still runs (not after its
 * due date), and whose reported due date must be later than the current one: an extension of an
 * assistance request is asked for before the period ends (市场监督管理行政处罚程序规定 第十六条).
 */
export const REPORTED_BEFORE_DUE: Record<CaseKind, readonly CaseState[]> = {
  LEAD: [],
  COMPLAINT: [],
  ASSISTANCE: ['EXTENDED'],
};

/** The clock that runs while a case is in `state`, or null. */
export function clockFor(kind: CaseKind, state: CaseState): string | null {
  return CLOCK_IN_STATE[kind][state] ?? null;
}

/** The state after `to` is reported in state `from`; ILLEGAL_TRANSITION (nothing changes) otherwise. */
export function transition(kind: CaseKind, caseNo: string, from: CaseState, to: CaseState): CaseState {
  const allowed =
    kind === 'COMPLAINT' && to === 'WITHDRAWN' && OPEN_COMPLAINT.includes(from as ComplaintState)
      ? ['WITHDRAWN']
      : (TRANSITIONS[kind][from] ?? []);
  if (!(allowed as string[]).includes(to)) {
    const next = allowed.length > 0 ? `allowed next: ${allowed.join(', ')}` : 'it is final';
    throw new DomainError(
      'ILLEGAL_TRANSITION',
      `${kind.toLowerCase()} ${caseNo} is ${from}; it cannot become ${to} (${next})`,
    );
  }
  return to;
}

/** Whether a state ends the case (no clock runs any more). */
export function isFinal(kind: CaseKind, state: CaseState): boolean {
  return TRANSITIONS[kind][state]?.length === 0;
}

/** The lead state a case-result body reports. */
export function leadStateOf(result: {
  stage: string;
  feedback?: { status: string } | null;
  disposal?: { closedAt?: string | null } | null;
}): LeadState[] {
  if (result.stage === 'DISPOSAL') return result.disposal?.closedAt ? ['DISPOSED', 'CLOSED'] : ['DISPOSED'];
  const status = result.feedback?.status;
  const map: Record<string, LeadState> = {
    VERIFYING: 'VERIFYING',
    CASE_OPENED: 'CASE_OPENED',
    NOT_OPENED: 'NOT_OPENED',
    TRANSFERRED_TO_DEPARTMENT: 'TRANSFERRED_ON',
    TRANSFERRED_TO_JUDICIAL: 'TRANSFERRED_ON',
    RETURNED_NO_JURISDICTION: 'RETURNED',
  };
  const state = status ? map[status] : undefined;
  if (!state)
    throw new DomainError('VALIDATION_FAILED', 'a verification feedback needs feedback.status', 'feedback.status');
  return [state];
}
