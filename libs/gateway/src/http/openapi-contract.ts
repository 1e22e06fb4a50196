// The HTTP contract beyond what the controllers' decorators say: summaries, operationIds, every
// query parameter with the constraints the controllers enforce, and a response schema for each
// status, all errors in the one shape of DomainErrorFilter. Merged into the generated document
// by setupOpenApi; test/integration/openapi.test.ts validates the result with a standard
// validator and checks the server against its examples and schemas. Message types and case kinds
// come from the registry (libs/contracts message-type.ts), so a new one is published as it is added.

import { CASE_KIND_LABELS, CASE_KINDS, MESSAGE_TYPES, SUBMITTABLE_SPECS } from '@xietong/contracts';

type JsonSchema = Record<string, unknown>;

export const ERROR_REF = { $ref: '#/components/schemas/Error' };

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: JsonSchema, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
export const error = (description: string) => json(ERROR_REF, description);

/** The error responses every authenticated operation can give. */
export const AUTH_ERRORS = {
  '401': error('no valid bearer token (`UNAUTHENTICATED`; a WWW-Authenticate header says why)'),
  '403': error('the token lacks the role this operation needs (`FORBIDDEN`)'),
  '503': error(
    'the identity provider or the federation manifest is unavailable (`AUTH_UNAVAILABLE`, `MANIFEST_EXPIRED`)',
  ),
};

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const nullable = (schema: JsonSchema): JsonSchema => ({ ...schema, nullable: true });
const str: JsonSchema = { type: 'string' };
const instant: JsonSchema = { type: 'string', format: 'date-time' };
const date: JsonSchema = { type: 'string', format: 'date' };

// Every stored message has one of the registry's types, the gateways' own (receipts, reminders,
// audit witnessing) included; which of them a county system submits is SUBMITTABLE_SPECS.
const messageType: JsonSchema = {
  type: 'string',
  enum: [...MESSAGE_TYPES],
  description: `submitted over HTTP: ${SUBMITTABLE_SPECS.map((s) => s.type).join(', ')}; the others are the gateways' own`,
};
const caseKind: JsonSchema = { type: 'string', enum: [...CASE_KINDS] };
/** `lead (线索), complaint (投诉) or assistance (协查)`, from the registry. */
const KINDS_IN_WORDS = CASE_KINDS.map((k) => `${k.toLowerCase()} (${CASE_KIND_LABELS[k]})`)
  .join(', ')
  .replace(/, ([^,]*)$/, ' or $1');
/** The correlation fields of the types that open a case (leadNo / complaintNo / requestNo). */
const CASE_NUMBERS = [
  ...new Set(SUBMITTABLE_SPECS.filter((s) => s.caseEffect?.effect === 'opens').map((s) => s.correlationField)),
].join(' / ');

/** Components the operations refer to (besides the body schemas derived from Avro). */
export const CONTRACT_SCHEMAS: Record<string, JsonSchema> = {
  Error: {
    type: 'object',
    description: 'The one error shape of every 4xx and 5xx response.',
    required: ['error', 'message'],
    additionalProperties: false,
    properties: {
      error: { type: 'string', description: 'stable code, e.g. VALIDATION_FAILED, UNKNOWN_RECIPIENT, UNKNOWN_CASE' },
      message: { type: 'string', description: 'what went wrong, for a person' },
      field: { type: 'string', description: 'path of the first offending field (e.g. `body.subject.storeName`)' },
    },
  },
  Warning: {
    type: 'object',
    required: ['field', 'code', 'message'],
    properties: {
      field: str,
      code: { type: 'string', enum: ['USCC_CHECKSUM', 'USCC_FORMAT', 'DIVISION_UNKNOWN', 'DIVISION_REPLACED'] },
      message: str,
    },
  },
  SubmissionResult: {
    type: 'object',
    required: ['messageId', 'status', 'recipient', 'zone', 'correlationId', 'created', 'warnings'],
    additionalProperties: false,
    properties: {
      messageId: { type: 'string', format: 'uuid' },
      status: { type: 'string', enum: ['pending', 'sent', 'accepted', 'rejected', 'failed'] },
      recipient: { type: 'string', pattern: '^\\d{6}$' },
      zone: { type: 'string', description: 'agreement the message travels under' },
      correlationId: { type: 'string', description: CASE_NUMBERS },
      created: { type: 'boolean', description: 'false for a retry of a messageId submitted before' },
      warnings: { type: 'array', items: ref('Warning'), description: 'findings for manual review' },
    },
  },
  Message: {
    type: 'object',
    required: ['messageId', 'direction', 'type', 'sender', 'recipient', 'zone', 'correlationId', 'status'],
    properties: {
      messageId: { type: 'string', format: 'uuid' },
      direction: { type: 'string', enum: ['in', 'out'] },
      type: messageType,
      sender: str,
      recipient: str,
      zone: str,
      correlationId: str,
      causationId: nullable(str),
      createdAt: instant,
      bodySchema: { type: 'string', description: 'SHA-256 (hex) of the body writer schema' },
      status: { type: 'string', enum: ['pending', 'sent', 'accepted', 'rejected', 'failed'] },
      reasonCode: nullable(str),
      reason: nullable(str),
      sentAt: nullable(instant),
      receiptAt: nullable(instant),
      receivedAt: nullable(instant),
      manifestSerial: nullable({ type: 'integer' }),
      erasedAt: nullable({ ...instant, description: 'when retention erased its personal data (docs/retention.md)' }),
    },
  },
  Case: {
    type: 'object',
    required: ['kind', 'caseNo', 'partner', 'role', 'state', 'overdue'],
    properties: {
      kind: caseKind,
      caseNo: str,
      partner: str,
      role: { type: 'string', enum: ['transferor', 'handler'] },
      state: str,
      riskTier: nullable(str),
      subject: nullable(str),
      receivedOn: nullable(date),
      clock: nullable(str),
      clockStart: nullable(date),
      dueOn: nullable(date),
      dueProvisional: { type: 'boolean' },
      reminders: { type: 'integer' },
      lastReminderAt: nullable(instant),
      flags: nullable({ type: 'string', description: 'JSON array of warnings for manual review' }),
      createdAt: instant,
      updatedAt: instant,
      overdue: { type: 'boolean' },
    },
  },
  QuarantinedRecord: {
    type: 'object',
    required: ['id', 'reasonCode', 'reason', 'topic', 'partition', 'offset'],
    properties: {
      id: str,
      reasonCode: str,
      reason: str,
      topic: str,
      partition: { type: 'integer' },
      offset: str,
      messageId: nullable(str),
      claimedSender: nullable(str),
      type: nullable(str),
      receivedAt: instant,
      deadLettered: { type: 'boolean' },
      replayedAt: nullable(instant),
      replayedBy: nullable(str),
    },
  },
};

export const q = (name: string, schema: JsonSchema, description: string) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
export const path = (name: string, schema: JsonSchema, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema,
});
export const badQuery = error(
  'a query parameter is out of range or not one of its values (`VALIDATION_FAILED`, `field` names it)',
);

export interface OperationContract {
  summary: string;
  operationId: string;
  tags: string[];
  parameters?: JsonSchema[];
  responses: Record<string, JsonSchema>;
  public?: boolean;
  /** The request body, where the controller reads one the decorators do not describe. */
  requestBody?: JsonSchema;
}

/** Operations the controllers declare, by `METHOD path` as in the generated document. */
export const OPERATIONS: Record<string, OperationContract> = {
  'get /api/v1/messages': {
    summary: 'List messages sent and received, newest first',
    operationId: 'listMessages',
    tags: ['messages'],
    parameters: [
      q('direction', { type: 'string', enum: ['in', 'out'] }, 'received (in) or sent (out)'),
      q('status', { type: 'string', enum: ['pending', 'sent', 'accepted', 'rejected', 'failed'] }, 'delivery status'),
      q('type', { type: 'string', enum: [...MESSAGE_TYPES] }, 'message type'),
      q('partner', { type: 'string' }, 'the other agency (sender or recipient)'),
      q('correlationId', { type: 'string' }, CASE_NUMBERS),
      q('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, 'page size'),
      q('offset', { type: 'integer', minimum: 0, maximum: 1000000, default: 0 }, 'rows to skip'),
    ],
    responses: {
      '200': json(
        { type: 'object', required: ['items'], properties: { items: { type: 'array', items: ref('Message') } } },
        'the messages',
      ),
      '400': badQuery,
    },
  },
  'get /api/v1/messages/{id}': {
    summary: 'One message with its body (a received complaint shows its complainant masked)',
    operationId: 'getMessage',
    tags: ['messages'],
    parameters: [path('id', { type: 'string', pattern: UUID_PATTERN }, 'messageId')],
    responses: {
      '200': json(
        {
          allOf: [
            ref('Message'),
            {
              type: 'object',
              required: ['body'],
              properties: {
                body: { type: 'object', description: 'the business body in its JSON form' },
                complainantMasked: nullable({ type: 'object' }),
                erased: { type: 'string', description: 'present when retention erased the personal data (已删除)' },
              },
            },
          ],
        },
        'the message',
      ),
      '400': error('id is not a UUID (`VALIDATION_FAILED`)'),
      '404': error('no such message (`NOT_FOUND`)'),
    },
  },
  'get /api/v1/quarantine': {
    summary: 'Records the inbound side refused, with counts by reason',
    operationId: 'listQuarantine',
    tags: ['messages'],
    parameters: [q('reason', { type: 'string' }, 'only this reason code, e.g. SIGNATURE_INVALID')],
    responses: {
      '200': json(
        {
          type: 'object',
          required: ['counts', 'items'],
          properties: {
            counts: {
              type: 'object',
              additionalProperties: { type: 'integer' },
              description: 'reason code -> records',
            },
            items: { type: 'array', items: ref('QuarantinedRecord') },
          },
        },
        'the quarantine',
      ),
    },
  },
  'post /api/v1/quarantine/{id}/replay': {
    summary: 'Put a quarantined record back into the inbox once its cause is fixed (admin)',
    operationId: 'replayQuarantined',
    tags: ['messages'],
    parameters: [path('id', { type: 'string', pattern: '^\\d{1,18}$' }, 'quarantine id')],
    responses: {
      '202': json(
        {
          type: 'object',
          required: ['quarantineId', 'topic', 'partition', 'offset'],
          properties: { quarantineId: str, topic: str, partition: { type: 'integer' }, offset: str },
        },
        'the record is back in the inbox at this position',
      ),
      '400': error('id is not a number (`VALIDATION_FAILED`)'),
      '404': error('no such quarantined record (`NOT_FOUND`)'),
      '409': error('a replay cannot help, or it was replayed already (`NOT_REPLAYABLE`)'),
    },
  },
  'get /api/v1/cases': {
    summary: `List case files (${KINDS_IN_WORDS}) with state, running clock and due date`,
    operationId: 'listCases',
    tags: ['cases'],
    parameters: [
      q('kind', caseKind, KINDS_IN_WORDS),
      q('state', { type: 'string' }, 'lifecycle state, e.g. RECEIVED, CASE_OPENED, CLOSED'),
      q('partner', { type: 'string' }, 'the other agency'),
      q('role', { type: 'string', enum: ['transferor', 'handler'] }, 'this agency transferred it, or handles it'),
      q('riskTier', { type: 'string', enum: ['KEY', 'WARNING', 'GENERAL'] }, 'risk tier of a lead'),
      q('overdue', { type: 'string', enum: ['true', 'false'] }, 'true: only cases past their due date'),
      q('from', { type: 'string', format: 'date' }, 'created on or after this local date'),
      q('to', { type: 'string', format: 'date' }, 'created on or before this local date'),
      q('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, 'page size (clamped to 1..1000)'),
      q('offset', { type: 'integer', minimum: 0, default: 0 }, 'rows to skip'),
    ],
    responses: {
      '200': json(
        {
          type: 'object',
          required: ['today', 'items'],
          properties: { today: date, items: { type: 'array', items: ref('Case') } },
        },
        'the cases; `today` is the local date overdue is judged by',
      ),
      '400': badQuery,
    },
  },
  'get /api/v1/cases/{kind}/{caseNo}': {
    summary: `One case file (${KINDS_IN_WORDS}) with its message history`,
    operationId: 'getCase',
    tags: ['cases'],
    parameters: [
      path('kind', caseKind, KINDS_IN_WORDS),
      path('caseNo', { type: 'string', minLength: 1, maxLength: 64 }, CASE_NUMBERS),
      q(
        'partner',
        { type: 'string', pattern: '^\\d{6}$' },
        'only the case with this partner (two partners may use one number)',
      ),
    ],
    responses: {
      '200': json(
        {
          type: 'object',
          required: ['cases', 'history'],
          properties: {
            cases: { type: 'array', items: ref('Case') },
            history: { type: 'array', items: { type: 'object' } },
          },
        },
        'the case (one row per side this agency is on) and its messages, oldest first',
      ),
      '400': error(`kind is not one of ${CASE_KINDS.join(', ')} (\`VALIDATION_FAILED\`)`),
      '404': error('no such case (`NOT_FOUND`)'),
    },
  },
  'get /api/v1/complaints/{complaintNo}/complainant': {
    summary: "A received complaint's complainant, decrypted (handler role; every access is recorded)",
    operationId: 'getComplainant',
    tags: ['cases'],
    parameters: [
      path('complaintNo', { type: 'string', minLength: 1, maxLength: 64 }, 'complaintNo'),
      q(
        'partner',
        { type: 'string', pattern: '^\\d{6}$' },
        'the sending agency; needed when two partners used the same complaint number',
      ),
    ],
    responses: {
      '200': json(
        {
          type: 'object',
          required: ['complaintNo', 'partner', 'handler', 'complainant'],
          properties: {
            complaintNo: str,
            partner: str,
            handler: str,
            complainant: { allOf: [ref('Complainant')], nullable: true },
            erased: { type: 'string', description: 'present (and complainant null) when retention erased it (已删除)' },
          },
        },
        'the complainant, or null with `erased` once retention erased it',
      ),
      '400': badQuery,
      '403': error('the complaint went to another agency: only it can decrypt (`FORBIDDEN`)'),
      '404': error('no such complaint (from that partner) (`NOT_FOUND`)'),
      '409': error('two partners sent a complaint with this number and no partner was named (`CASE_AMBIGUOUS`)'),
    },
  },
  'get /api/v1/reports/monthly': {
    summary: 'Monthly data-flow report of the leading group office (JSON or CSV)',
    operationId: 'getMonthlyReport',
    tags: ['reports'],
    parameters: [
      { ...q('month', { type: 'string', pattern: '^\\d{4}-\\d{2}$' }, 'the month, YYYY-MM'), required: true },
      q('format', { type: 'string', enum: ['json', 'csv'], default: 'json' }, 'response format'),
    ],
    responses: {
      '200': {
        description: 'the report',
        content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } },
      },
      '400': error('month missing or malformed, or format not json/csv (`VALIDATION_FAILED`)'),
    },
  },
  'get /dashboard': {
    summary: 'Retired: the older auditor page now redirects to the console (/console/auditor)',
    operationId: 'getDashboardPage',
    tags: ['console'],
    public: true,
    responses: {
      '302': {
        description: 'to /console/auditor (Location header; the body is Express\'s "Found. Redirecting to …")',
        content: { 'text/plain': { schema: { type: 'string' } } },
      },
    },
  },
  'get /health': {
    summary: 'Detailed readiness: database, Kafka, manifest, outbox and queue tables (answers within a second)',
    operationId: 'getHealth',
    tags: ['operations'],
    public: true,
    responses: {
      '200': json(ref('Health'), 'everything is up'),
      '503': json(ref('Health'), 'something is down or the manifest expired (status degraded, reasons say what)'),
    },
  },
  'get /health/live': {
    summary: 'Liveness: the process answers (restart it when this does not)',
    operationId: 'getLiveness',
    tags: ['operations'],
    public: true,
    responses: { '200': json(ref('Liveness'), 'the process is up') },
  },
  'get /health/ready': {
    summary: 'Readiness: database, Kafka and a valid manifest (send traffic only when 200)',
    operationId: 'getReadiness',
    tags: ['operations'],
    public: true,
    responses: {
      '200': json(ref('Readiness'), 'ready'),
      '503': json(ref('Readiness'), 'degraded: reasons names each part that is not ready'),
    },
  },
  'get /metrics': {
    summary: 'Prometheus metrics (auditor role, or the static scrape credential of XIETONG_METRICS_TOKEN_FILE)',
    operationId: 'getMetrics',
    tags: ['operations'],
    responses: {
      '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
    },
  },
};

const probe = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['up', 'down'] }, error: str },
};
const reasons: JsonSchema = { type: 'array', items: str };
CONTRACT_SCHEMAS.Health = {
  type: 'object',
  required: ['status', 'agency', 'reasons', 'database', 'kafka', 'manifest', 'outboxPending'],
  properties: {
    status: { type: 'string', enum: ['up', 'degraded'] },
    agency: str,
    reasons,
    database: probe,
    kafka: {
      type: 'object',
      required: ['status', 'brokers', 'since'],
      properties: {
        status: { type: 'string', enum: ['up', 'down', 'unknown'] },
        error: str,
        brokers: { type: 'array', items: str },
        since: instant,
        checkedAt: nullable(instant),
      },
    },
    manifest: {
      type: 'object',
      required: ['status', 'serial', 'expiresAt'],
      properties: {
        status: { type: 'string', enum: ['up', 'expired'] },
        serial: { type: 'integer' },
        expiresAt: instant,
      },
    },
    outboxPending: nullable({ type: 'integer' }),
    webhooks: {
      type: 'object',
      required: ['status', 'endpoints', 'pending'],
      properties: {
        status: { type: 'string', enum: ['ok', 'warn'] },
        endpoints: { type: 'integer' },
        pending: { type: 'integer' },
        note: { type: 'string', description: 'endpoints disabled (410 Gone, long failure, admin) or failing' },
      },
    },
  },
};
CONTRACT_SCHEMAS.Readiness = {
  type: 'object',
  required: ['status', 'agency', 'reasons'],
  properties: { status: { type: 'string', enum: ['up', 'degraded'] }, agency: str, reasons },
};
CONTRACT_SCHEMAS.Liveness = {
  type: 'object',
  required: ['status', 'agency', 'uptimeS', 'eventLoopDelay'],
  properties: {
    status: { type: 'string', enum: ['up'] },
    agency: str,
    uptimeS: { type: 'integer' },
    eventLoopDelay: {
      type: 'object',
      required: ['maxMs', 'p99Ms'],
      properties: { maxMs: { type: 'number' }, p99Ms: { type: 'number' } },
    },
  },
};
