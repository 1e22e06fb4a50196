import type { DivisionCodes } from './division-codes';
import { isValidResidentId } from './resident-id';
import { checkUscc } from './uscc';

/** A finding on a submitted record that needs manual review but does not stop it. */
export interface RecordWarning {
  field: string;
  code: 'USCC_CHECKSUM' | 'USCC_FORMAT' | 'DIVISION_UNKNOWN' | 'DIVISION_REPLACED' | 'RESIDENT_ID_INVALID';
  message: string;
}

/**
 * Credit codes and division codes of a lead's subject or a complaint's respondent, and the
 * resident ID numbers (GB 11643) of a complainant and agent while still in plain text. The
 * message never repeats an ID number: it is sensitive personal information.
 */
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
    const c = body.complainant;
    if (c && typeof c === 'object') {
      residentId('body.complainant.idNumber', (c as { idNumber?: unknown }).idNumber, out);
      const agent = (c as { agent?: unknown }).agent;
      if (agent && typeof agent === 'object')
        residentId('body.complainant.agent.idNumber', (agent as { idNumber?: unknown }).idNumber, out);
    }
  }
  return out;
}

function residentId(field: string, value: unknown, out: RecordWarning[]): void {
  if (typeof value !== 'string' || value === '' || isValidResidentId(value)) return;
  out.push({
    field,
    code: 'RESIDENT_ID_INVALID',
    message: 'resident ID number fails its GB 11643 check (length, birth date or check character); please verify it',
  });
}
