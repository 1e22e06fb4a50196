import type { DivisionCodes } from './division-codes';
import { checkUscc } from './uscc';

/** A finding on a submitted record that needs manual review but does not stop it. */
export interface RecordWarning {
  field: string;
  code: 'USCC_CHECKSUM' | 'USCC_FORMAT' | 'DIVISION_UNKNOWN' | 'DIVISION_REPLACED';
  message: string;
}

/** Credit codes and division codes of a lead's subject or a complaint's respondent. */
export function identifierWarnings(
  type: string,
  body: Record<string, unknown>,
  divisions: DivisionCodes,
): RecordWarning[] {
  const out: RecordWarning[] = [];
  const uscc = (field: string, value: unknown) => {
    if (typeof value !== 'string' || value === '') return;
    const r = checkUscc(value);
    if (!r.valid)
      out.push({ field, code: r.problem === 'checksum' ? 'USCC_CHECKSUM' : 'USCC_FORMAT', message: r.message });
  };
  const division = (field: string, value: unknown) => {
    if (typeof value !== 'string') return;
    const r = divisions.check(value, field);
    if (!r.known) out.push({ field, code: 'DIVISION_UNKNOWN', message: r.message });
    else if (r.replaces)
      out.push({
        field,
        code: 'DIVISION_REPLACED',
        message: `division code ${r.replaces} was replaced by ${r.code} (${r.name})`,
      });
  };
  if (type === 'LEAD') {
    const s = (body.subject ?? {}) as {
      platformUscc?: unknown;
      operatorUscc?: unknown;
      registeredAddress?: { divisionCode?: unknown };
      actualAddress?: { divisionCode?: unknown } | null;
    };
    uscc('body.subject.platformUscc', s.platformUscc);
    uscc('body.subject.operatorUscc', s.operatorUscc);
    division('body.subject.registeredAddress.divisionCode', s.registeredAddress?.divisionCode);
    division('body.subject.actualAddress.divisionCode', s.actualAddress?.divisionCode);
  }
  if (type === 'COMPLAINT') {
    const r = (body.respondent ?? {}) as { uscc?: unknown; divisionCode?: unknown };
    uscc('body.respondent.uscc', r.uscc);
    division('body.respondent.divisionCode', r.divisionCode);
  }
  return out;
}
