import { isFinal, leadStateOf, transition } from '.';

describe('lead lifecycle', () => {
  it('runs from transfer to a closed case', () => {
    let s = transition('LEAD', 'L1', 'TRANSFERRED', 'RECEIVED');
    s = transition('LEAD', 'L1', s, 'VERIFYING');
    s = transition('LEAD', 'L1', s, 'CASE_OPENED');
    s = transition('LEAD', 'L1', s, 'DISPOSED');
    s = transition('LEAD', 'L1', s, 'CLOSED');
    expect(isFinal('LEAD', s)).toBe(true);
  });

  it('refuses a disposal before the case was opened, naming what may come next', () => {
    expect(() => transition('LEAD', 'L1', 'VERIFYING', 'DISPOSED')).toThrow(
      /lead L1 is VERIFYING; it cannot become DISPOSED \(allowed next: CASE_OPENED, NOT_OPENED, TRANSFERRED_ON, RETURNED\)/,
    );
    expect(() => transition('LEAD', 'L1', 'NOT_OPENED', 'CASE_OPENED')).toThrow(/it is final/);
  });

  it('maps case-result bodies to states', () => {
    expect(leadStateOf({ stage: 'VERIFICATION_FEEDBACK', feedback: { status: 'TRANSFERRED_TO_JUDICIAL' } })).toEqual([
      'TRANSFERRED_ON',
    ]);
    expect(leadStateOf({ stage: 'DISPOSAL', disposal: { closedAt: '2026-11-26T08:00:00Z' } })).toEqual([
      'DISPOSED',
      'CLOSED',
    ]);
    expect(leadStateOf({ stage: 'DISPOSAL', disposal: { closedAt: null } })).toEqual(['DISPOSED']);
  });
});

describe('complaint lifecycle', () => {
  it('runs through mediation to closed', () => {
    let s = transition('COMPLAINT', 'C1', 'FORWARDED', 'ACCEPTED');
    s = transition('COMPLAINT', 'C1', s, 'MEDIATING');
    s = transition('COMPLAINT', 'C1', s, 'MEDIATION_ENDED');
    expect(transition('COMPLAINT', 'C1', s, 'CLOSED')).toBe('CLOSED');
  });

  it('can be withdrawn at any point before closing, but not after', () => {
    for (const s of ['FORWARDED', 'ACCEPTED', 'MEDIATING', 'SETTLED'] as const)
      expect(transition('COMPLAINT', 'C1', s, 'WITHDRAWN')).toBe('WITHDRAWN');
    expect(() => transition('COMPLAINT', 'C1', 'CLOSED', 'WITHDRAWN')).toThrow(/ILLEGAL|cannot become WITHDRAWN/);
    expect(() => transition('COMPLAINT', 'C1', 'REJECTED', 'WITHDRAWN')).toThrow(/cannot become WITHDRAWN/);
  });
});
