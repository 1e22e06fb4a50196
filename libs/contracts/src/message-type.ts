/** Message types on the wire; the symbols of the envelope's MessageType enum. */
export const MESSAGE_TYPES = [
  'LEAD',
  'CASE_RESULT',
  'COMPLAINT',
  'COMPLAINT_RESULT',
  'RECEIPT',
  'REMINDER',
  'ASSISTANCE_REQUEST',
  'ASSISTANCE_REPLY',
  'AUDIT_CHECKPOINT',
  'AUDIT_COUNTERSIGN',
  'PING',
  'ERASURE_NOTICE',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Business types a county system submits over HTTP; receipts and reminders are the gateway's own. */
export const BUSINESS_TYPES = [
  'LEAD',
  'CASE_RESULT',
  'COMPLAINT',
  'COMPLAINT_RESULT',
  'ASSISTANCE_REQUEST',
  'ASSISTANCE_REPLY',
] as const;
export type BusinessType = (typeof BUSINESS_TYPES)[number];

/** The kinds of case file a message can concern: a lead, a complaint, an assistance request (协查). */
export const CASE_KINDS = ['LEAD', 'COMPLAINT', 'ASSISTANCE'] as const;
export type CaseKindName = (typeof CASE_KINDS)[number];

/** What a case file of each kind is called in notes and reminders. */
export const CASE_KIND_LABELS: Readonly<Record<CaseKindName, string>> = {
  LEAD: '线索',
  COMPLAINT: '投诉',
  ASSISTANCE: '协查',
};

/**
 * What a message does to the case file it concerns (libs/workflow holds the states and clocks):
 * `opens` a case (transfer), `reports` a new state (from the body: a case result's stage and
 * feedback, a complaint result's `status`), or `reminds` (督办; the kind is in `body.kind`).
 */
export type CaseEffect =
  | { effect: 'opens'; kind: CaseKindName }
  | {
      effect: 'reports';
      kind: CaseKindName;
      /**
       * Where the reported state comes from: a case result's stage and feedback, or a body field
       * (its value is the state, or is mapped through `states`).
       */
      stateFrom: 'case-result' | { field: string; states?: Readonly<Record<string, string>> };
      /** Body path of a due date the report sets itself (for clocks in CLOCKS_WITH_REPORTED_DUE). */
      dueField?: string;
      /** Body path of the day the reported state began, if not the day of the report. */
      startField?: string;
    }
  | { effect: 'reminds'; kind: 'body.kind' };

/**
 * Where a routable message's jurisdiction is read from (dotted body paths), for a submission
 * without recipient: the basis field (or a fixed basis), the seat's and the actual place of
 * business's division codes.
 */
export interface RoutingSpec {
  basisField: string | null;
  defaultBasis: 'SEAT' | 'ACTUAL_PLACE_OF_BUSINESS';
  seatCode: string;
  actualCode: string;
}

/**
 * A check of a submitted body beyond its Avro schema: a field required while another field has one
 * of some values, or every value at a dotted path (through arrays) matching a pattern.
 */
export type BodyRule =
  | { field: string; requiredWhen: { field: string; in: readonly string[] } }
  | { field: string; pattern: string; expected: string };

/** Everything about one message type the gateway's layers need, in one place. */
export interface MessageTypeSpec {
  type: MessageType;
  /** URL segment of `POST /api/v1/<path>`; null for the gateway's own messages. */
  path: string | null;
  /** Role a caller needs to submit it (`admin` may submit anything). */
  role: 'submitter' | 'handler' | 'admin';
  /** Body field carrying the correlation id (the case number); null for receipts. */
  correlationField: string | null;
  /** How a submission without recipient is routed by jurisdiction; null: recipient required. */
  routing: RoutingSpec | null;
  /** Body fields holding personal data: encrypted to the recipient (JWE), shown masked. */
  personalData: readonly string[];
  /** Its effect on the case file, or null (receipts). */
  caseEffect: CaseEffect | null;
  /** The clock a message that opens a case starts (libs/workflow/data/time-limits.json id). */
  clock: string | null;
  /** Counted per partner in the monthly report and the console's flows. */
  reported: boolean;
  /** Checks of a submitted body beyond its schema (400 VALIDATION_FAILED naming the field). */
  bodyRules?: readonly BodyRule[];
  /**
   * The gateways' own protocol, not business: any agreement both members share carries it. `receipt`
   * answers messages and `witness` is the audit witnessing (docs/audit.md): neither is ever answered
   * by a receipt, and witness traffic does not count toward the next audit checkpoint. `control`
   * (the connectivity check, erasure notices) is answered by the partner's normal receipt, like
   * business messages, but never concerns a case file.
   */
  protocol?: 'receipt' | 'witness' | 'control';
}

/** The registry: one entry per message type. Adding a type starts here (docs/extending.md). */
export const MESSAGE_TYPE_SPECS: Readonly<Record<MessageType, MessageTypeSpec>> = {
  LEAD: {
    type: 'LEAD',
    path: 'leads',
    role: 'submitter',
    correlationField: 'leadNo',
    routing: {
      basisField: 'jurisdictionBasis',
      defaultBasis: 'SEAT',
      seatCode: 'subject.registeredAddress.divisionCode',
      actualCode: 'subject.actualAddress.divisionCode',
    },
    personalData: [],
    caseEffect: { effect: 'opens', kind: 'LEAD' },
    clock: 'lead-feedback',
    reported: true,
  },
  CASE_RESULT: {
    type: 'CASE_RESULT',
    path: 'case-results',
    role: 'handler',
    correlationField: 'leadNo',
    routing: null,
    personalData: [],
    caseEffect: {
      effect: 'reports',
      kind: 'LEAD',
      stateFrom: 'case-result',
      dueField: 'feedback.caseDue',
      startField: 'feedback.openedAt',
    },
    clock: null,
    reported: true,
  },
  COMPLAINT: {
    type: 'COMPLAINT',
    path: 'complaints',
    role: 'submitter',
    correlationField: 'complaintNo',
    routing: {
      basisField: null,
      defaultBasis: 'ACTUAL_PLACE_OF_BUSINESS',
      seatCode: 'respondent.divisionCode',
      actualCode: 'respondent.divisionCode',
    },
    personalData: ['complainant'],
    caseEffect: { effect: 'opens', kind: 'COMPLAINT' },
    clock: 'complaint-acceptance',
    reported: true,
  },
  COMPLAINT_RESULT: {
    type: 'COMPLAINT_RESULT',
    path: 'complaint-results',
    role: 'handler',
    correlationField: 'complaintNo',
    routing: null,
    personalData: [],
    caseEffect: { effect: 'reports', kind: 'COMPLAINT', stateFrom: { field: 'status' } },
    clock: null,
    reported: true,
  },
  RECEIPT: {
    type: 'RECEIPT',
    path: null,
    role: 'admin',
    correlationField: null,
    routing: null,
    personalData: [],
    caseEffect: null,
    clock: null,
    reported: false,
    protocol: 'receipt',
  },
  REMINDER: {
    type: 'REMINDER',
    path: null,
    role: 'admin',
    correlationField: 'caseNo',
    routing: null,
    personalData: [],
    caseEffect: { effect: 'reminds', kind: 'body.kind' },
    clock: null,
    reported: true,
  },
  ASSISTANCE_REQUEST: {
    type: 'ASSISTANCE_REQUEST',
    path: 'assistance-requests',
    role: 'submitter',
    correlationField: 'requestNo',
    routing: {
      basisField: null,
      defaultBasis: 'ACTUAL_PLACE_OF_BUSINESS',
      seatCode: 'subject.divisionCode',
      actualCode: 'subject.divisionCode',
    },
    personalData: [],
    caseEffect: { effect: 'opens', kind: 'ASSISTANCE' },
    clock: 'assistance',
    reported: true,
  },
  ASSISTANCE_REPLY: {
    type: 'ASSISTANCE_REPLY',
    path: 'assistance-replies',
    role: 'handler',
    correlationField: 'requestNo',
    routing: null,
    personalData: [],
    caseEffect: {
      effect: 'reports',
      kind: 'ASSISTANCE',
      stateFrom: {
        field: 'outcome',
        states: { COMPLETED: 'COMPLETED', PARTIAL: 'PARTIAL', EXTENSION_REQUESTED: 'EXTENDED' },
      },
      dueField: 'newDueDate',
    },
    clock: null,
    reported: true,
    bodyRules: [
      { field: 'reason', requiredWhen: { field: 'outcome', in: ['PARTIAL', 'EXTENSION_REQUESTED'] } },
      { field: 'newDueDate', requiredWhen: { field: 'outcome', in: ['EXTENSION_REQUESTED'] } },
      { field: 'evidence.digest', pattern: '^sha256:[0-9a-f]{64}$', expected: 'sha256: and 64 lower-case hex digits' },
    ],
  },
  AUDIT_CHECKPOINT: {
    type: 'AUDIT_CHECKPOINT',
    path: null,
    role: 'admin',
    correlationField: null,
    routing: null,
    personalData: [],
    caseEffect: null,
    clock: null,
    reported: false,
    protocol: 'witness',
  },
  AUDIT_COUNTERSIGN: {
    type: 'AUDIT_COUNTERSIGN',
    path: null,
    role: 'admin',
    correlationField: null,
    routing: null,
    personalData: [],
    caseEffect: null,
    clock: null,
    reported: false,
    protocol: 'witness',
  },
  PING: {
    type: 'PING',
    path: null,
    role: 'admin',
    correlationField: null,
    routing: null,
    personalData: [],
    caseEffect: null,
    clock: null,
    reported: false,
    protocol: 'control',
  },
  ERASURE_NOTICE: {
    type: 'ERASURE_NOTICE',
    path: null,
    role: 'admin',
    correlationField: 'caseNo',
    routing: null,
    personalData: [],
    caseEffect: null,
    clock: null,
    reported: false,
    protocol: 'control',
  },
};

export const messageTypeSpec = (type: MessageType): MessageTypeSpec => MESSAGE_TYPE_SPECS[type];

/** Types of the gateways' own protocol (receipts, audit witnessing, control): any shared agreement carries them. */
export const PROTOCOL_TYPES: readonly MessageType[] = MESSAGE_TYPES.filter((t) => MESSAGE_TYPE_SPECS[t].protocol);

/** The audit witnessing types: chained like any traffic, but not counted toward the next checkpoint. */
export const WITNESS_TYPES: readonly MessageType[] = MESSAGE_TYPES.filter(
  (t) => MESSAGE_TYPE_SPECS[t].protocol === 'witness',
);

/**
 * Control types (the connectivity check, erasure notices): carried by any shared agreement,
 * answered by a receipt, never about a case file.
 */
export const CONTROL_TYPES: readonly MessageType[] = MESSAGE_TYPES.filter(
  (t) => MESSAGE_TYPE_SPECS[t].protocol === 'control',
);

/** Whether a message of `type` is answered by a receipt: everything but receipts and the audit witnessing. */
export function isAnsweredByReceipt(type: string): boolean {
  const protocol = isMessageType(type) ? MESSAGE_TYPE_SPECS[type].protocol : undefined;
  return protocol !== 'receipt' && protocol !== 'witness';
}

/** Whether `type` is one of the gateways' own protocol types (see {@link PROTOCOL_TYPES}). */
export function isProtocolType(type: string): boolean {
  return (PROTOCOL_TYPES as readonly string[]).includes(type);
}

/** Specs of the types county systems submit over HTTP, in registry order. */
export const SUBMITTABLE_SPECS: readonly (MessageTypeSpec & { path: string })[] = Object.values(
  MESSAGE_TYPE_SPECS,
).filter((s): s is MessageTypeSpec & { path: string } => s.path !== null);

/** The spec behind a URL segment of `POST /api/v1/<path>`, if any. */
export function specForPath(path: string): (MessageTypeSpec & { path: string }) | undefined {
  return SUBMITTABLE_SPECS.find((s) => s.path === path);
}

/** Types counted in the monthly report and the console's flows. */
export const REPORTED_TYPES: readonly MessageType[] = MESSAGE_TYPES.filter((t) => MESSAGE_TYPE_SPECS[t].reported);

/** The field of each business body that carries its correlation id (leadNo / complaintNo). */
export const CORRELATION_FIELD = Object.fromEntries(
  BUSINESS_TYPES.map((t) => [t, MESSAGE_TYPE_SPECS[t].correlationField!]),
) as Record<BusinessType, string>;

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && (MESSAGE_TYPES as readonly string[]).includes(value);
}

/** The message type that opens a case file of `kind` (its row in the monthly report). */
export function openingType(kind: CaseKindName): MessageType {
  const spec = Object.values(MESSAGE_TYPE_SPECS).find(
    (s) => s.caseEffect?.effect === 'opens' && s.caseEffect.kind === kind,
  );
  if (!spec) throw new Error(`no message type opens a ${kind} case file`);
  return spec.type;
}

export function isCaseKind(value: unknown): value is CaseKindName {
  return typeof value === 'string' && (CASE_KINDS as readonly string[]).includes(value);
}

export function isBusinessType(value: unknown): value is BusinessType {
  return typeof value === 'string' && (BUSINESS_TYPES as readonly string[]).includes(value);
}

/** Every value at a dotted path, stepping into each element of the arrays on the way. */
export function bodyValues(body: unknown, path: string): unknown[] {
  let values: unknown[] = [body];
  for (const key of path.split('.')) {
    values = values
      .flatMap((v) => (Array.isArray(v) ? v : [v]))
      .filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object')
      .map((v) => v[key])
      .filter((v) => v !== undefined);
  }
  return values.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

/** A dotted path (`subject.registeredAddress.divisionCode`) read from a body; undefined if absent. */
export function bodyPath(body: Record<string, unknown>, path: string): unknown {
  let v: unknown = body;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
