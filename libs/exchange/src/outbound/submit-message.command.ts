import { createHash } from 'node:crypto';
import {
  bodyPath,
  bodyValues,
  DomainError,
  isBusinessType,
  messageTypeSpec,
  type BodyRule,
  type BusinessType,
} from '@xietong/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AGENCY = /^\d{6}$/;

/** Complainant personal data as a county system submits it; encrypted before it leaves the gateway. */
export interface ComplainantInput {
  name: string;
  phone: string;
  address: string;
  idNumber?: string;
  agent?: string;
}

/**
 * A county system's request to send one business message. Validates its own shape when
 * built (the body itself is validated against the Avro schema by the use case).
 */
export class SubmitMessageCommand {
  private constructor(
    readonly type: BusinessType | 'REMINDER',
    /** Absent for a lead or complaint to be routed by jurisdiction. */
    readonly recipient: string | undefined,
    readonly body: Record<string, unknown>,
    readonly correlationId: string,
    readonly causationId: string | null,
    readonly messageId: string | undefined,
  ) {}

  /**
   * SHA-256 over the request as the county system sent it (before its personal data is encrypted
   * to the recipient), with object keys sorted: equal for a retry, different for another message.
   */
  get digest(): string {
    const request = {
      type: this.type,
      recipient: this.recipient ?? null,
      causationId: this.causationId,
      body: this.body,
    };
    return createHash('sha256').update(canonicalJson(request)).digest('hex');
  }

  /** A message the gateway itself sends (a supervision reminder), already shaped by code. */
  static reminder(recipient: string, body: { caseNo: string } & Record<string, unknown>): SubmitMessageCommand {
    return new SubmitMessageCommand('REMINDER', recipient, body, body.caseNo, null, undefined);
  }

  static from(type: string, request: unknown): SubmitMessageCommand {
    if (!isBusinessType(type)) throw new DomainError('NOT_FOUND', `unknown message type ${type}`);
    const t: BusinessType = type;
    const spec = messageTypeSpec(t);
    if (typeof request !== 'object' || request === null || Array.isArray(request))
      throw invalid('', 'request must be a JSON object {recipient, body}');
    const r = request as Record<string, unknown>;
    for (const k of Object.keys(r))
      if (!['recipient', 'body', 'causationId', 'messageId'].includes(k)) throw invalid(k, `unknown field ${k}`);
    if (r.recipient === undefined && spec.routing === null)
      throw invalid(
        'recipient',
        `field recipient: required for ${t} (only leads, complaints and assistance requests are routed by jurisdiction)`,
      );
    if (r.recipient !== undefined && (typeof r.recipient !== 'string' || !AGENCY.test(r.recipient)))
      throw invalid('recipient', 'field recipient: expected a six-digit agency id');
    if (
      r.causationId !== undefined &&
      r.causationId !== null &&
      (typeof r.causationId !== 'string' || !UUID.test(r.causationId))
    ) {
      throw invalid('causationId', 'field causationId: expected a UUID');
    }
    if (r.messageId !== undefined && (typeof r.messageId !== 'string' || !UUID.test(r.messageId)))
      throw invalid('messageId', 'field messageId: expected a UUID');
    if (typeof r.body !== 'object' || r.body === null || Array.isArray(r.body))
      throw invalid('body', 'field body: expected a JSON object');
    const body = r.body as Record<string, unknown>;
    const field = spec.correlationField!;
    const cid = body[field];
    if (typeof cid !== 'string' || cid.length === 0 || cid.length > 64 || /[\u0000-\u001f\u007f]/.test(cid)) {
      throw invalid(`body.${field}`, `field body.${field}: expected 1 to 64 printable characters`);
    }
    for (const f of spec.personalData) PERSONAL_DATA_CHECKS[f]?.(body[f]);
    for (const rule of spec.bodyRules ?? []) assertRule(rule, body);
    if (t === 'LEAD' && body.jurisdictionBasis === 'DESIGNATED') {
      const reason = body.designationReason;
      if (r.recipient === undefined)
        throw invalid(
          'recipient',
          'a lead with jurisdictionBasis DESIGNATED needs the designated recipient (指定管辖)',
        );
      if (typeof reason !== 'string' || reason.trim() === '')
        throw invalid(
          'body.designationReason',
          'field body.designationReason: required with jurisdictionBasis DESIGNATED (指定管辖)',
        );
    }
    return new SubmitMessageCommand(
      t,
      r.recipient as string | undefined,
      body,
      cid,
      (r.causationId as string | undefined) ?? null,
      r.messageId as string | undefined,
    );
  }
}

/** One of the registry's body rules; VALIDATION_FAILED naming the field if the body breaks it. */
function assertRule(rule: BodyRule, body: Record<string, unknown>): void {
  if ('requiredWhen' in rule) {
    const when = bodyPath(body, rule.requiredWhen.field);
    const v = bodyPath(body, rule.field);
    if (typeof when === 'string' && rule.requiredWhen.in.includes(when) && (v === undefined || v === null || v === ''))
      throw invalid(`body.${rule.field}`, `field body.${rule.field}: required with ${rule.requiredWhen.field} ${when}`);
    return;
  }
  const re = new RegExp(rule.pattern);
  for (const v of bodyValues(body, rule.field))
    if (typeof v !== 'string' || !re.test(v))
      throw invalid(
        `body.${rule.field}`,
        `field body.${rule.field}: expected ${rule.expected}, got ${JSON.stringify(v)}`,
      );
}

/** Checks of the clear-text personal-data fields of the registry (`personalData`) before encryption. */
const PERSONAL_DATA_CHECKS: Record<string, (value: unknown) => void> = {
  complainant: assertComplainant,
};

function assertComplainant(c: unknown): asserts c is ComplainantInput {
  if (typeof c !== 'object' || c === null || Array.isArray(c))
    throw invalid(
      'body.complainant',
      'field body.complainant: expected an object {name, phone, address, idNumber?, agent?}',
    );
  const x = c as Record<string, unknown>;
  for (const k of Object.keys(x))
    if (!['name', 'phone', 'address', 'idNumber', 'agent'].includes(k))
      throw invalid(`body.complainant.${k}`, `unknown field body.complainant.${k}`);
  for (const k of ['name', 'phone', 'address']) {
    if (typeof x[k] !== 'string' || (x[k] as string).trim() === '')
      throw invalid(`body.complainant.${k}`, `field body.complainant.${k}: expected a non-empty string`);
  }
  for (const k of ['idNumber', 'agent']) {
    if (x[k] !== undefined && typeof x[k] !== 'string')
      throw invalid(`body.complainant.${k}`, `field body.complainant.${k}: expected a string`);
  }
}

/** JSON with object keys in sorted order, so that equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message, field);
}
