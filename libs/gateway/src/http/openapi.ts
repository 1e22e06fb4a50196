import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type * as avro from 'avsc';
import type { GatewayConfig } from '@xietong/config';
import { SUBMITTABLE_SPECS, sampleComplaint, sampleLead } from '@xietong/contracts';
import type { WireCodec } from '@xietong/exchange';
import type { Federation } from '@xietong/federation';
import { AUTH_ERRORS, CONTRACT_SCHEMAS, ERROR_REF, OPERATIONS, type OperationContract } from './openapi-contract';
import { PING_OPERATIONS } from './openapi-ping';
import { WEBHOOK_OPERATIONS, WEBHOOK_SCHEMAS } from './webhook-contract';

type JsonSchema = Record<string, unknown>;

/** `CASE_RESULT` -> `CaseResult`. */
const pascal = (type: string) =>
  type
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');

/**
 * The OpenAPI document of the HTTP API, served at /docs (UI) and /docs-json. Routes come from the
 * controllers; request bodies are derived from the same Avro schemas the gateway validates with.
 */
export function setupOpenApi(
  app: INestApplication,
  config: GatewayConfig,
  codec: WireCodec,
  federation?: Federation,
): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`Xietong gateway ${config.agencyId}`)
      .setDescription(
        'County systems submit leads, case results, complaints, complaint results and assistance requests (协查) and replies; staff and auditors follow cases and data flows. Bearer JWT with a roles claim (submitter, handler, auditor, admin).',
      )
      .setVersion('1')
      .addServer('/', 'this gateway')
      .addBearerAuth()
      .addSecurityRequirements('bearer')
      .build(),
  );
  const schemas: Record<string, JsonSchema> = { ...CONTRACT_SCHEMAS, ...WEBHOOK_SCHEMAS };
  const examples = submissionExamples(config.agencyId, federation);
  const names: Record<string, string> = {};
  for (const { path: kind, type, routing, personalData, role, correlationField } of SUBMITTABLE_SPECS) {
    // A gateway run with an older schema set offers only the types it has schemas for.
    if (!codec.local.has(type)) {
      delete doc.paths[`/api/v1/${kind}`];
      continue;
    }
    const name = codec.local.latest(type).name;
    names[type] = name;
    const body = avroToJsonSchema(codec.local.latest(type).avroType);
    const properties = body.properties as Record<string, JsonSchema>;
    // The correlation id's limits (SubmitMessageCommand): 1 to 64 printable characters.
    if (correlationField)
      properties[correlationField] = { ...properties[correlationField], minLength: 1, maxLength: 64 };
    // Personal data is submitted in clear and encrypted by the gateway (the schema holds the JWE).
    for (const field of personalData) {
      schemas[pascal(field)] = PERSONAL_DATA[field];
      properties[field] = { $ref: `#/components/schemas/${pascal(field)}` };
    }
    schemas[name] = body;
    const routable = routing !== null;
    doc.paths[`/api/v1/${kind}`] = {
      post: {
        summary: `Submit a ${type}${routable ? ' (without recipient: routed to the agency with jurisdiction)' : ''}`,
        operationId: `submit${pascal(type)}`,
        tags: ['submission'],
        security: [{ bearer: [] }],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: submissionSchema(name, routable),
              examples: examples[type],
            },
          },
        },
        responses: submissionResponses({ $ref: '#/components/schemas/SubmissionResult' }, role),
      },
    };
  }
  doc.paths['/api/v1/batch'] = {
    post: {
      summary: 'Submit up to 1000 messages of any business type in one request, all or none',
      operationId: 'submitBatch',
      tags: ['submission'],
      security: [{ bearer: [] }],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['items'],
              additionalProperties: false,
              properties: {
                items: {
                  type: 'array',
                  minItems: 1,
                  maxItems: 1000,
                  items: {
                    oneOf: SUBMITTABLE_SPECS.map(({ type, routing }) => {
                      const one = submissionSchema(names[type], routing !== null);
                      return {
                        ...one,
                        required: ['type', ...(one.required as string[])],
                        properties: { type: { type: 'string', enum: [type] }, ...(one.properties as JsonSchema) },
                      };
                    }),
                  },
                },
              },
            },
            examples: examples.batch,
          },
        },
      },
      responses: submissionResponses(
        {
          type: 'object',
          required: ['items'],
          properties: { items: { type: 'array', items: { $ref: '#/components/schemas/SubmissionResult' } } },
        },
        'submitter or handler (by type)',
      ),
    },
  };
  delete doc.paths['/api/v1/{kind}'];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const op = item[method];
      if (!op) continue;
      // The controllers read Content-Type themselves: it is no parameter of the API.
      op.parameters = op.parameters?.filter((p) => !('in' in p && p.in === 'header'));
      const webhook = WEBHOOK_OPERATIONS[`${method} ${path}`];
      if (webhook?.requestBody) op.requestBody = webhook.requestBody as unknown as typeof op.requestBody;
      const contract: OperationContract | undefined =
        OPERATIONS[`${method} ${path}`] ?? PING_OPERATIONS[`${method} ${path}`] ?? webhook;
      if (!contract) continue;
      op.summary = contract.summary;
      op.operationId = contract.operationId;
      op.tags = contract.tags;
      op.parameters = contract.parameters as typeof op.parameters;
      op.responses = { ...contract.responses, ...(contract.public ? {} : AUTH_ERRORS) } as typeof op.responses;
      if (contract.public) op.security = [];
      if (contract.requestBody) op.requestBody = contract.requestBody as unknown as typeof op.requestBody;
    }
  }
  doc.components = {
    ...doc.components,
    schemas: { ...(doc.components?.schemas ?? {}), ...schemas },
  } as OpenAPIObject['components'];
  SwaggerModule.setup('docs', app, doc);
  return doc;
}

function submissionSchema(name: string, routable: boolean): JsonSchema {
  return {
    type: 'object',
    required: routable ? ['body'] : ['recipient', 'body'],
    additionalProperties: false,
    properties: {
      recipient: {
        type: 'string',
        pattern: '^\\d{6}$',
        description: routable
          ? 'member id of the receiving agency; leave it out to route by jurisdiction'
          : 'member id of the receiving agency',
      },
      messageId: {
        type: 'string',
        format: 'uuid',
        description: 'idempotency: resubmitting the same id returns the first result (202, created false)',
      },
      causationId: { type: 'string', format: 'uuid', nullable: true, description: 'the message this one answers' },
      body: { $ref: `#/components/schemas/${name}` },
    },
  };
}

function submissionResponses(
  accepted: JsonSchema,
  role: string,
): NonNullable<OpenAPIObject['paths'][string]['post']>['responses'] {
  const error = (description: string) => ({ description, content: { 'application/json': { schema: ERROR_REF } } });
  return {
    '202': {
      description: 'stored and queued for signing and delivery (or, for a known messageId, its first result)',
      content: { 'application/json': { schema: accepted } },
    },
    '400': error('invalid request or body (`VALIDATION_FAILED`); `field` names the first offending field'),
    ...AUTH_ERRORS,
    '403': error(`the token lacks the ${role} role (\`FORBIDDEN\`)`),
    '409': error(
      'the case lifecycle does not allow this result now (`ILLEGAL_TRANSITION`), or the messageId was used for another request (`MESSAGE_ID_CONFLICT`)',
    ),
    '413': error('the request body or the signed record is too large (`PAYLOAD_TOO_LARGE`, `RECORD_TOO_LARGE`)'),
    '415': error('Content-Type is not application/json (`UNSUPPORTED_MEDIA_TYPE`)'),
    '422': error(
      'unknown recipient, no agreement, no jurisdiction or unknown case (`UNKNOWN_RECIPIENT`, `NOT_IN_AGREEMENT`, `NO_JURISDICTION`, `UNKNOWN_CASE`)',
    ),
  };
}

interface Example {
  summary: string;
  value: unknown;
  /** The status the server answers this example with (the tests post every example). */
  'x-expected-status': number;
}

/**
 * Request examples of the submission operations, each with the status it gets. The accepted ones
 * go to a partner of this agency in the manifest in force, so they work as shown.
 */
function submissionExamples(self: string, federation?: Federation): Record<string, Record<string, Example>> {
  const partner = federation
    ?.memberIds()
    .find((m) => m !== self && federation.agreementsFor(self, m, 'LEAD').length > 0);
  const lead = (leadNo: string) => {
    const l = sampleLead(leadNo) as Record<string, Record<string, unknown>>;
    return {
      ...l,
      jurisdictionBasis: 'SEAT',
      subject: { ...l.subject, registeredAddress: { address: '示例地址', divisionCode: partner }, actualAddress: null },
    };
  };
  const complaint = (complaintNo: string) => {
    const c = sampleComplaint(complaintNo) as Record<string, Record<string, unknown>>;
    return { ...c, respondent: { ...c.respondent, divisionCode: partner } };
  };
  const ok = (summary: string, value: unknown): Record<string, Example> =>
    partner ? { accepted: { summary, value, 'x-expected-status': 202 } } : {};
  const unknownRecipient = '999999';
  return {
    LEAD: {
      ...ok(`a lead routed by the seat of its subject (${partner})`, { body: lead(`EXAMPLE-${self}-LEAD-1`) }),
      invalid: {
        summary: 'riskTier is not one of its values',
        value: { body: { ...lead(`EXAMPLE-${self}-LEAD-2`), riskTier: 'HIGH' } },
        'x-expected-status': 400,
      },
      unknownRecipient: {
        summary: 'the recipient is no member of the federation',
        value: { recipient: unknownRecipient, body: lead(`EXAMPLE-${self}-LEAD-3`) },
        'x-expected-status': 422,
      },
    },
    CASE_RESULT: {
      unknownCase: {
        summary: 'feedback on a lead that was never transferred from the recipient',
        value: {
          recipient: partner ?? unknownRecipient,
          body: {
            leadNo: `EXAMPLE-${self}-NEVER-SENT`,
            stage: 'VERIFICATION_FEEDBACK',
            feedback: { status: 'VERIFYING', note: '正在核查' },
          },
        },
        'x-expected-status': 422,
      },
      missingRecipient: {
        summary: 'a result needs its recipient',
        value: { body: { leadNo: `EXAMPLE-${self}-LEAD-1`, stage: 'VERIFICATION_FEEDBACK' } },
        'x-expected-status': 400,
      },
    },
    COMPLAINT: {
      ...ok(`a complaint to ${partner}, whose complainant the gateway encrypts`, {
        recipient: partner,
        body: complaint(`EXAMPLE-${self}-TS-1`),
      }),
      missingComplainant: {
        summary: 'the complainant is required',
        value: {
          recipient: partner ?? unknownRecipient,
          body: { ...complaint(`EXAMPLE-${self}-TS-2`), complainant: undefined },
        },
        'x-expected-status': 400,
      },
    },
    COMPLAINT_RESULT: {
      unknownCase: {
        summary: 'a result for a complaint that was never transferred from the recipient',
        value: {
          recipient: partner ?? unknownRecipient,
          body: { complaintNo: `EXAMPLE-${self}-NEVER-SENT`, status: 'ACCEPTED', recoveredFen: 0 },
        },
        'x-expected-status': 422,
      },
    },
    batch: {
      ...ok('two leads in one request', {
        items: [
          { type: 'LEAD', body: lead(`EXAMPLE-${self}-BATCH-1`) },
          { type: 'LEAD', body: lead(`EXAMPLE-${self}-BATCH-2`) },
        ],
      }),
      empty: { summary: 'items must hold 1 to 1000 messages', value: { items: [] }, 'x-expected-status': 400 },
    },
  };
}

/** The clear-text shape of each personal-data field a county system submits (registry `personalData`). */
const PERSONAL_DATA: Record<string, JsonSchema> = {
  complainant: {
    type: 'object',
    description:
      'Personal information: encrypted by the gateway (JWE) to the handling agency before it is stored or sent.',
    required: ['name', 'phone', 'address'],
    additionalProperties: false,
    properties: {
      name: { type: 'string' },
      phone: { type: 'string' },
      address: { type: 'string' },
      idNumber: { type: 'string' },
      agent: { type: 'string' },
    },
  },
};

/** JSON Schema of the JSON form the gateway accepts for an Avro type. */
export function avroToJsonSchema(t: avro.Type): JsonSchema {
  const x = t as unknown as {
    typeName: string;
    fields?: { name: string; type: avro.Type; defaultValue(): unknown }[];
    symbols?: string[];
    itemsType?: avro.Type;
    types?: avro.Type[];
    doc?: string;
  };
  switch (x.typeName) {
    case 'record': {
      const properties: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const f of x.fields ?? []) {
        const field = f as typeof f & { doc?: string };
        let schema = avroToJsonSchema(f.type);
        // Division codes are checked for six digits (DivisionCodes.check) wherever they appear.
        if (f.name === 'divisionCode') schema = { ...schema, pattern: '^\\d{6}$' };
        if (field.doc)
          schema = schema.$ref ? { allOf: [schema], description: field.doc } : { ...schema, description: field.doc };
        properties[f.name] = schema;
        if (f.defaultValue() === undefined) required.push(f.name);
      }
      return {
        type: 'object',
        ...(x.doc ? { description: x.doc } : {}),
        additionalProperties: false,
        required,
        properties,
      };
    }
    case 'enum':
      return { type: 'string', enum: x.symbols };
    case 'array':
      return { type: 'array', items: avroToJsonSchema(x.itemsType!) };
    case 'union:unwrapped': {
      const branches = (x.types ?? []).filter((b) => (b as unknown as { typeName: string }).typeName !== 'null');
      const inner = branches.length === 1 ? avroToJsonSchema(branches[0]) : { oneOf: branches.map(avroToJsonSchema) };
      return { ...inner, nullable: true };
    }
    case 'logical:timestamp-millis':
      return { type: 'string', format: 'date-time' };
    case 'logical:date':
      return { type: 'string', format: 'date' };
    case 'logical:uuid':
      return { type: 'string', format: 'uuid' };
    case 'int':
    case 'long':
      return { type: 'integer' };
    case 'float':
    case 'double':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'bytes':
      return { type: 'string', format: 'byte' };
    default:
      return { type: 'string' };
  }
}
