import { bodyPath, DomainError, isMessageType, messageTypeSpec, type CaseEffect } from '@xietong/contracts';
import { Injectable } from '@nestjs/common';
import { caseKey, CaseRepository, type CaseRecord, type Tx } from '@xietong/persistence';
import {
  clockFor,
  CLOCKS_FROM_RECEIPT,
  CLOCKS_WITH_REPORTED_DUE,
  identifierWarnings,
  isFinal,
  OPENING_STATE,
  REPORTED_BEFORE_DUE,
  STATE_ON_RECEIPT,
  leadStateOf,
  shanghaiDate,
  transition,
  type CaseKind,
  type CaseState,
  DivisionCodes,
  type RecordWarning,
  TimeLimits,
} from '@xietong/workflow';

/** A business message as the tracker sees it: from this gateway (out) or to it (in). */
export interface CaseEvent {
  messageId: string;
  direction: 'in' | 'out';
  type: string;
  /** The other agency. */
  partner: string;
  correlationId: string;
  body: Record<string, unknown>;
  /** Findings for manual review (identifier checks) to keep on the case file. */
  warnings?: RecordWarning[];
}

/** A lead or complaint the partner confirmed receiving (accepted receipt at the transferor). */
export interface Delivery {
  type: string;
  partner: string;
  correlationId: string;
  receivedAt: Date;
}

/** The case files a batch of events changes, and the events the lifecycle refuses (by messageId). */
export interface CasePlan {
  changed: CaseRecord[];
  refused: Map<string, DomainError>;
}

/**
 * Keeps each transferred lead and complaint in step with the messages about it, on both
 * gateways: lifecycle state, the clock that runs in that state and its due date. Works inside the
 * caller's transaction; an event the lifecycle does not allow is refused and changes nothing.
 */
@Injectable()
export class CaseTracker {
  constructor(
    private readonly repo: CaseRepository,
    private readonly limits: TimeLimits,
    private readonly divisions: DivisionCodes,
  ) {}

  /**
   * Applies events in order. Returns the refused ones by messageId (for inbound: reject them);
   * with `strict`, throws the first refusal instead (for submissions: nothing is written).
   */
  async apply(em: Tx, events: CaseEvent[], now: Date, strict: boolean): Promise<Map<string, DomainError>> {
    const { changed, refused } = await this.plan(em, events, now, strict);
    await this.save(em, changed);
    return refused;
  }

  /** Saves the case files of a {@link plan}. */
  async save(em: Tx, changed: CaseRecord[]): Promise<void> {
    await this.repo.save(em, changed);
  }

  /**
   * What {@link apply} would write, without writing: the case files the events change (to
   * {@link save}) and the refused events by messageId. Reads the current files (nothing when no
   * event concerns a case).
   */
  async plan(em: Tx, events: CaseEvent[], now: Date, strict: boolean): Promise<CasePlan> {
    const relevant = events.filter((e) => effectOf(e.type) !== null);
    const refused = new Map<string, DomainError>();
    if (relevant.length === 0) return { changed: [], refused };
    const cases = await this.repo.load(
      em,
      relevant.map((e) => ({ kind: kindOf(e), caseNo: e.correlationId, partner: e.partner })),
    );
    const changed = new Map<string, CaseRecord>();
    for (const e of relevant) {
      try {
        const next = this.next(
          cases.get(caseKey({ kind: kindOf(e), caseNo: e.correlationId, partner: e.partner })),
          e,
          now,
        );
        cases.set(caseKey(next), next);
        changed.set(caseKey(next), next);
      } catch (err) {
        if (!(err instanceof DomainError) || strict) throw err;
        refused.set(e.messageId, err);
      }
    }
    return { changed: [...changed.values()], refused };
  }

  /** The transferor learns the date the handler received a lead or complaint (its receipt). */
  async delivered(em: Tx, deliveries: Delivery[], now: Date): Promise<void> {
    const relevant = deliveries.filter((d) => effectOf(d.type)?.effect === 'opens');
    if (relevant.length === 0) return;
    const cases = await this.repo.load(
      em,
      relevant.map((d) => ({ kind: kindOf(d), caseNo: d.correlationId, partner: d.partner })),
    );
    const changed: CaseRecord[] = [];
    for (const d of relevant) {
      const c = cases.get(caseKey({ kind: kindOf(d), caseNo: d.correlationId, partner: d.partner }));
      if (!c || c.receivedOn) continue;
      const state = STATE_ON_RECEIPT[c.kind][c.state as CaseState] ?? c.state;
      changed.push(
        this.withClock(
          { ...c, state, receivedOn: shanghaiDate(d.receivedAt), updatedAt: now },
          shanghaiDate(d.receivedAt),
        ),
      );
    }
    await this.repo.save(em, changed);
  }

  private next(current: CaseRecord | undefined, e: CaseEvent, now: Date): CaseRecord {
    const today = shanghaiDate(now);
    const kind = kindOf(e);
    const effect = effectOf(e.type)!;
    if (effect.effect === 'opens') {
      if (current && !isFinal(kind, current.state as CaseState)) {
        throw new DomainError(
          'ILLEGAL_TRANSITION',
          `${kind.toLowerCase()} ${e.correlationId} is already ${current.state} with ${e.partner}; it is not transferred again`,
        );
      }
      const handler = e.direction === 'in';
      const fresh: CaseRecord = {
        kind,
        caseNo: e.correlationId,
        partner: e.partner,
        role: handler ? 'handler' : 'transferor',
        state: OPENING_STATE[kind][handler ? 'handler' : 'transferor'],
        riskTier: kind === 'LEAD' ? String(e.body.riskTier ?? '') || null : null,
        subject: subjectOf(e.body),
        receivedOn: handler ? today : null,
        clock: null,
        clockStart: null,
        dueOn: null,
        dueProvisional: false,
        reminders: 0,
        lastReminderAt: null,
        flags: flagsOf(e.warnings ?? identifierWarnings(e.type, e.body, this.divisions)),
        createdAt: now,
        updatedAt: now,
      };
      return this.withClock(fresh, today);
    }
    if (!current) {
      throw new DomainError(
        'UNKNOWN_CASE',
        `no ${kind.toLowerCase()} ${e.correlationId} was transferred between this agency and ${e.partner}`,
      );
    }
    if (effect.effect === 'reminds') {
      return e.direction === 'out'
        ? { ...current, reminders: current.reminders + 1, lastReminderAt: now, updatedAt: now }
        : { ...current, updatedAt: now };
    }
    const expectedRole = e.direction === 'out' ? 'handler' : 'transferor';
    if (current.role !== expectedRole) {
      throw new DomainError(
        'ILLEGAL_TRANSITION',
        `${e.type} for ${e.correlationId} must come from the agency that handles it`,
      );
    }
    if (effect.effect !== 'reports') throw new Error(`message type ${e.type} reports no state`);
    const targets = reportedStates(effect, e.body);
    let state = current.state as CaseState;
    for (const t of targets) state = transition(kind, e.correlationId, state, t);
    const explicitDue = effect.dueField ? optionalString(bodyPath(e.body, effect.dueField)) : undefined;
    if (REPORTED_BEFORE_DUE[kind].includes(state)) assertBeforeDue(current, state, today, explicitDue);
    const clockStart = (effect.startField ? optionalString(bodyPath(e.body, effect.startField)) : undefined) ?? today;
    return this.withClock({ ...current, state, updatedAt: now }, clockStart, explicitDue);
  }

  /** Sets the clock that runs in the case's state; keeps its start while the clock stays the same. */
  private withClock(c: CaseRecord, eventDay: string, explicitDue?: string): CaseRecord {
    const clock = clockFor(c.kind, c.state as CaseState);
    if (!clock) return { ...c, clock: null, clockStart: null, dueOn: null, dueProvisional: false };
    const fromReceipt = CLOCKS_FROM_RECEIPT.includes(clock);
    const start = fromReceipt ? c.receivedOn : clock === c.clock ? c.clockStart : eventDay;
    if (!start) return { ...c, clock, clockStart: null, dueOn: null, dueProvisional: false };
    if (explicitDue && CLOCKS_WITH_REPORTED_DUE.includes(clock))
      return { ...c, clock, clockStart: start, dueOn: explicitDue, dueProvisional: false };
    const due = this.limits.due(clock, start);
    return { ...c, clock, clockStart: start, dueOn: due.due, dueProvisional: due.provisional };
  }
}

/** What a message type does to a case file (the registry's entry), or null. */
function effectOf(type: string): CaseEffect | null {
  return isMessageType(type) ? messageTypeSpec(type).caseEffect : null;
}

function kindOf(e: { type: string; body?: Record<string, unknown> }): CaseKind {
  const effect = effectOf(e.type);
  if (!effect) throw new Error(`message type ${e.type} concerns no case file`);
  return effect.kind === 'body.kind' ? (String(e.body?.kind) as CaseKind) : effect.kind;
}

function subjectOf(body: Record<string, unknown>): string | null {
  const s = (body.subject ?? body.respondent) as
    { storeName?: string | null; operatorName?: string; name?: string } | undefined;
  return s ? [s.storeName, s.operatorName ?? s.name].filter(Boolean).join(' / ') || null : null;
}

/** The states a report moves the case through, as the registry's entry says where to read them. */
function reportedStates(
  effect: Extract<CaseEffect, { effect: 'reports' }>,
  body: Record<string, unknown>,
): CaseState[] {
  if (effect.stateFrom === 'case-result') return leadStateOf(body as never);
  const { field, states } = effect.stateFrom;
  const value = String(bodyPath(body, field));
  return [(states ? (states[value] ?? value) : value) as CaseState];
}

/**
 * A state that must be reported before the running clock's due date (an extension), with a new
 * due date later than the current one; ILLEGAL_TRANSITION otherwise.
 */
function assertBeforeDue(current: CaseRecord, state: CaseState, today: string, explicitDue?: string): void {
  const what = `${current.kind.toLowerCase()} ${current.caseNo}`;
  if (current.dueOn && today > current.dueOn)
    throw new DomainError(
      'ILLEGAL_TRANSITION',
      `${what} was due ${current.dueOn}; ${state} must be asked for before the period ends`,
    );
  if (explicitDue && current.dueOn && explicitDue <= current.dueOn)
    throw new DomainError(
      'ILLEGAL_TRANSITION',
      `${what}: the new due date ${explicitDue} must be later than the current one, ${current.dueOn}`,
    );
}

function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function flagsOf(warnings: RecordWarning[]): string | null {
  return warnings.length > 0 ? JSON.stringify(warnings) : null;
}
