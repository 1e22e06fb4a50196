import { DomainError } from '@xietong/contracts';
import { counterpart, scopeToPartner } from './case-scope';

const rows = [
  { partner: '320100', n: 1 },
  { partner: '341825', n: 2 },
  { partner: '341825', n: 3 },
];
const by = (r: { partner: string }) => r.partner;

describe('scopeToPartner', () => {
  it('keeps the items of the partner named', () => {
    expect(scopeToPartner(rows, by, '341825', 'lead X').map((r) => r.n)).toEqual([2, 3]);
  });

  it('takes the only partner there is when none is named', () => {
    expect(scopeToPartner(rows.slice(1), by, undefined, 'lead X').map((r) => r.n)).toEqual([2, 3]);
  });

  it('refuses to guess between two partners sharing the number', () => {
    expect(() => scopeToPartner(rows, by, undefined, 'lead X')).toThrow(
      expect.objectContaining({ code: 'CASE_AMBIGUOUS', field: 'partner' }),
    );
  });

  it('answers NOT_FOUND for a partner without that number, or no item at all', () => {
    expect(() => scopeToPartner(rows, by, '330100', 'lead X')).toThrow(DomainError);
    expect(() => scopeToPartner([], by, undefined, 'lead X')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('takes the recipient of what was sent and the sender of what was received as the partner', () => {
    expect(counterpart({ direction: 'out', sender: 'a', recipient: 'b' })).toBe('b');
    expect(counterpart({ direction: 'in', sender: 'a', recipient: 'b' })).toBe('a');
  });
});
