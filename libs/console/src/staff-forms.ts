import { DomainError, type BusinessType } from '@xietong/contracts';

/**
 * The county staff's forms: which fields each has, and how a posted form becomes the body of a
 * business message. Checks here are only about the form itself (amounts in yuan, local times);
 * the body then goes through the same validation as the API (SubmitMessageCommand + Avro schema).
 */
export type FormKind = 'feedback' | 'disposal' | 'acceptance' | 'mediation' | 'result' | 'reply' | 'lead';

export type Posted = Record<string, string | string[] | undefined>;

const text = (f: Posted, k: string): string | undefined => {
  const v = f[k];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s : undefined;
};
const orNull = (f: Posted, k: string) => text(f, k) ?? null;
const list = (f: Posted, k: string): string[] => {
  const v = f[k];
  return (Array.isArray(v) ? v : v ? [v] : []).map((s) => s.trim()).filter(Boolean);
};

/** Yuan with up to two decimals -> fen. */
function fen(f: Posted, k: string, field: string): number {
  const v = text(f, k);
  if (v === undefined) return 0;
  if (!/^\d{1,12}(\.\d{1,2})?$/.test(v))
    throw new DomainError(
      'VALIDATION_FAILED',
      `field ${field}: expected an amount in yuan with at most two decimals, got "${v}"`,
      field,
    );
  const [yuan, cents = ''] = v.split('.');
  return Number(yuan) * 100 + Number(cents.padEnd(2, '0'));
}

/** A local (Asia/Shanghai) date-time from an <input type="datetime-local"> -> ISO instant. */
function instant(f: Posted, k: string, field: string): string | null {
  const v = text(f, k);
  if (v === undefined) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v);
  if (!m) throw new DomainError('VALIDATION_FAILED', `field ${field}: expected a date and time, got "${v}"`, field);
  const [, y, mo, d, h, mi, s = '0'] = m;
  return new Date(Date.UTC(+y, +mo - 1, +d, +h - 8, +mi, +s)).toISOString();
}

/** The message type, recipient and body a posted form stands for. */
export function formMessage(
  kind: FormKind,
  f: Posted,
  caseNo: string,
  partner: string | undefined,
): { type: BusinessType; request: Record<string, unknown> } {
  switch (kind) {
    case 'feedback':
      return {
        type: 'CASE_RESULT',
        request: {
          recipient: partner,
          body: {
            leadNo: caseNo,
            stage: 'VERIFICATION_FEEDBACK',
            feedback: {
              status: text(f, 'status'),
              caseNo: orNull(f, 'caseNo'),
              openedAt: orNull(f, 'openedAt'),
              caseDue: orNull(f, 'caseDue'),
              notOpenedGround: orNull(f, 'notOpenedGround'),
              note: orNull(f, 'note'),
            },
          },
        },
      };
    case 'disposal':
      return {
        type: 'CASE_RESULT',
        request: {
          recipient: partner,
          body: {
            leadNo: caseNo,
            stage: 'DISPOSAL',
            disposal: {
              decisionNo: text(f, 'decisionNo'),
              decisionDate: text(f, 'decisionDate'),
              penalties: list(f, 'penalties'),
              fineFen: fen(f, 'fine', 'body.disposal.fineFen'),
              confiscatedFen: fen(f, 'confiscated', 'body.disposal.confiscatedFen'),
              publicity: text(f, 'publicity'),
              publicityUrl: orNull(f, 'publicityUrl'),
              closedAt: instant(f, 'closedAt', 'body.disposal.closedAt'),
            },
          },
        },
      };
    case 'acceptance':
    case 'mediation':
    case 'result':
      return {
        type: 'COMPLAINT_RESULT',
        request: {
          recipient: partner,
          body: {
            complaintNo: caseNo,
            status: text(f, 'status'),
            recoveredFen: fen(f, 'recovered', 'body.recoveredFen'),
            acceptBy: orNull(f, 'acceptBy'),
            mediateBy: orNull(f, 'mediateBy'),
            note: orNull(f, 'note'),
          },
        },
      };
    case 'reply':
      // Findings and evidence digests come from the assisting agency's own systems over the API;
      // the console answers with the outcome, and the reason or new date where the rules need them.
      return {
        type: 'ASSISTANCE_REPLY',
        request: {
          recipient: partner,
          body: {
            requestNo: caseNo,
            outcome: text(f, 'outcome'),
            reason: orNull(f, 'reason'),
            newDueDate: orNull(f, 'newDueDate'),
            findings: [],
            evidence: [],
          },
        },
      };
    case 'lead': {
      const actual = text(f, 'actualAddress') || text(f, 'actualDivision');
      return {
        type: 'LEAD',
        request: {
          ...(text(f, 'recipient') ? { recipient: text(f, 'recipient') } : {}),
          body: {
            leadNo: text(f, 'leadNo'),
            source: text(f, 'source'),
            riskTier: text(f, 'riskTier'),
            subject: {
              platformName: orNull(f, 'platformName'),
              storeName: text(f, 'storeName'),
              storeUrl: orNull(f, 'storeUrl'),
              operatorName: text(f, 'operatorName'),
              operatorUscc: orNull(f, 'operatorUscc'),
              registeredAddress: { address: text(f, 'registeredAddress'), divisionCode: text(f, 'registeredDivision') },
              actualAddress: actual
                ? { address: text(f, 'actualAddress'), divisionCode: text(f, 'actualDivision') }
                : null,
            },
            allegation: {
              category: text(f, 'category'),
              legalBasis: text(f, 'law') ? [{ law: text(f, 'law'), article: text(f, 'article') ?? '' }] : [],
              facts: text(f, 'facts'),
            },
            evidence: [],
            jurisdictionBasis: text(f, 'jurisdictionBasis'),
            designationReason: orNull(f, 'designationReason'),
            replyDue: orNull(f, 'replyDue'),
          },
        },
      };
    }
  }
}

/** The form input a field path of the message body comes from (to mark it invalid). */
export function inputOf(field: string | undefined): string | undefined {
  if (!field) return undefined;
  const map: Record<string, string> = {
    'body.disposal.fineFen': 'fine',
    'body.disposal.confiscatedFen': 'confiscated',
    'body.recoveredFen': 'recovered',
    'body.subject.registeredAddress.address': 'registeredAddress',
    'body.subject.registeredAddress.divisionCode': 'registeredDivision',
    'body.subject.actualAddress.address': 'actualAddress',
    'body.subject.actualAddress.divisionCode': 'actualDivision',
    'body.allegation.legalBasis': 'law',
  };
  for (const [k, v] of Object.entries(map)) if (field === k || field.startsWith(`${k}.`)) return v;
  const last = field
    .replace(/\.\d+$/, '')
    .split('.')
    .pop();
  return last;
}
