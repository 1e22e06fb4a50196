import { DomainError } from '@xietong/contracts';

/**
 * A case is (kind, number, partner): two partners may choose the same number. A request acts on
 * the partner it names, or on the only partner that has this number; with several and none named
 * it is refused CASE_AMBIGUOUS rather than guessed, so nothing goes to (or is read from) the wrong
 * agency. Returns the items of that one partner, in their order.
 */
export function scopeToPartner<T>(
  items: T[],
  partnerOf: (t: T) => string,
  partner: string | undefined,
  what: string,
): T[] {
  const scoped = partner === undefined ? items : items.filter((t) => partnerOf(t) === partner);
  if (scoped.length === 0)
    throw new DomainError('NOT_FOUND', partner === undefined ? `no ${what}` : `no ${what} with partner ${partner}`);
  const partners = partnersOf(scoped, partnerOf);
  if (partners.length > 1)
    throw new DomainError(
      'CASE_AMBIGUOUS',
      `${partners.length} partners (${partners.join(', ')}) each have a ${what}: name one with ?partner=`,
      'partner',
    );
  return scoped;
}

/** The distinct partners of these items, sorted. */
export function partnersOf<T>(items: T[], partnerOf: (t: T) => string): string[] {
  return [...new Set(items.map(partnerOf))].sort();
}

/** The partner of a stored message: whom it was sent to, or who sent it. */
export const counterpart = (m: { direction: string; sender: string; recipient: string }): string =>
  m.direction === 'out' ? m.recipient : m.sender;
