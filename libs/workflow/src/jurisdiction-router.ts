import { DomainError, type MessageType } from '@xietong/contracts';
import { covers, specificity, type Federation } from '@xietong/federation';
import { divisionChanges } from './division-codes';

export type JurisdictionBasis = 'SEAT' | 'ACTUAL_PLACE_OF_BUSINESS' | 'PLATFORM_SEAT_FOUND_FIRST' | 'DESIGNATED';

export interface RoutingRequest {
  sender: string;
  type: MessageType;
  basis: JurisdictionBasis;
  /** Division code of the registered seat (住所地). */
  seatCode?: string | null;
  /** Division code of the actual place of business (实际经营地). */
  actualCode?: string | null;
  /** 指定管辖: the designated handler and why; required with basis DESIGNATED. */
  designated?: { agencyId: string; reason: string };
}

export interface Route {
  recipient: string;
  zone: string;
  /** The subject's division code the decision rests on (after code changes). */
  divisionCode: string;
  basis: JurisdictionBasis;
  explanation: string;
}

/**
 * Finds the agency with jurisdiction: the subject's division code (by the basis) resolved to the
 * most specific member (county, then city, then province) that shares an agreement with the sender
 * covering the message type. No match is an explained NO_JURISDICTION error, never a silent drop.
 */
export class JurisdictionRouter {
  private readonly changes: Map<string, string>;

  constructor(changes: { from: string; to: string }[]) {
    this.changes = new Map(changes.map((c) => [c.from, c.to]));
  }

  static load(): JurisdictionRouter {
    return new JurisdictionRouter(divisionChanges());
  }

  /** The current code for one that was replaced (广德 341822 -> 341882). */
  current(code: string): string {
    return this.changes.get(code) ?? code;
  }

  route(federation: Federation, r: RoutingRequest): Route {
    if (r.basis === 'DESIGNATED') return this.designated(federation, r);
    const raw =
      r.basis === 'SEAT'
        ? r.seatCode
        : r.basis === 'ACTUAL_PLACE_OF_BUSINESS'
          ? (r.actualCode ?? r.seatCode)
          : r.seatCode;
    if (!raw || !/^\d{6}$/.test(raw)) {
      throw new DomainError(
        'NO_JURISDICTION',
        `basis ${r.basis} needs the subject's ${r.basis === 'SEAT' ? 'registered seat' : 'place of business'} division code`,
        r.basis === 'SEAT' ? 'seatCode' : 'actualCode',
      );
    }
    const code = this.current(raw);
    if (r.basis === 'PLATFORM_SEAT_FOUND_FIRST') {
      throw new DomainError(
        'NO_JURISDICTION',
        `basis PLATFORM_SEAT_FOUND_FIRST means the platform seat's agency (${r.sender}) found the lead first and keeps it: nothing to transfer`,
      );
    }
    const covering = federation.manifest.members.filter((m) => m.id !== r.sender && covers(m.divisionCode, code));
    const eligible = covering
      .map((m) => ({ m, zone: federation.agreementsFor(r.sender, m.id, r.type)[0] }))
      .filter((x) => x.zone !== undefined)
      .sort((a, b) => specificity(b.m.divisionCode) - specificity(a.m.divisionCode));
    if (eligible.length === 0) {
      const why =
        covering.length === 0
          ? `no member agency covers division ${code}${raw !== code ? ` (was ${raw})` : ''}`
          : `members covering ${code} (${covering.map((m) => m.id).join(', ')}) share no agreement with ${r.sender} for ${r.type}`;
      throw new DomainError(
        'NO_JURISDICTION',
        `cannot route ${r.type} by ${r.basis}: ${why}; name a designated handler (DESIGNATED) or transfer through the common superior`,
      );
    }
    const best = eligible[0];
    return {
      recipient: best.m.id,
      zone: best.zone!.id,
      divisionCode: code,
      basis: r.basis,
      explanation: `${r.basis} ${code}${raw !== code ? ` (was ${raw})` : ''} -> ${best.m.id} ${best.m.name} under agreement ${best.zone!.id}`,
    };
  }

  private designated(federation: Federation, r: RoutingRequest): Route {
    const d = r.designated;
    if (!d || !/^\d{6}$/.test(d.agencyId) || d.reason.trim() === '') {
      throw new DomainError(
        'VALIDATION_FAILED',
        'basis DESIGNATED needs the designated agency and the reason (指定管辖)',
        'designated',
      );
    }
    const member = federation.member(d.agencyId);
    const zone = member ? federation.agreementsFor(r.sender, member.id, r.type)[0] : undefined;
    if (!member || !zone)
      throw new DomainError(
        'NO_JURISDICTION',
        `designated agency ${d.agencyId} is not a member sharing an agreement with ${r.sender} for ${r.type}`,
      );
    return {
      recipient: member.id,
      zone: zone.id,
      divisionCode: member.divisionCode,
      basis: 'DESIGNATED',
      explanation: `DESIGNATED -> ${member.id} ${member.name}: ${d.reason}`,
    };
  }
}
