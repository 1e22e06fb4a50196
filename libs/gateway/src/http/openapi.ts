import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type * as avro from 'avsc';
import type { GatewayConfig } from '@xietong/config';
import { SUBMITTABLE_SPECS } from '@xietong/contracts';
import type { WireCodec } from '@xietong/exchange';

type JsonSchema = Record<string, unknown>;

/**
 * The OpenAPI document of the HTTP API, served at /docs (UI) and /docs-json. Routes come from the
 * controllers; request bodies are derived from the same Avro schemas the gateway validates with.
 */
export function setupOpenApi(app: INestApplication, config: GatewayConfig, codec: WireCodec): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`Xietong gateway ${config.agencyId}`)
      .setDescription(
        'County systems submit leads, case results and complaints; staff and auditors follow cases and data flows. Bearer JWT with a roles claim (submitter, handler, auditor, admin).',
      )
      .setVersion('1')
      .addBearerAuth()
      .addSecurityRequirements('bearer')
      .build(),
  );
  const schemas: Record<string, JsonSchema> = {};
  for (const { path: kind, type, routing, personalData, role } of SUBMITTABLE_SPECS) {
    const name = codec.local.latest(type).name;
    const body = avroToJsonSchema(codec.local.latest(type).avroType);
    // Personal data is submitted in clear and encrypted by the gateway (the schema holds the JWE).
    for (const field of personalData) (body.properties as JsonSchema)[field] = PERSONAL_DATA[field];
    schemas[name] = body;
    const routable = routing !== null;
    doc.paths[`/api/v1/${kind}`] = {
      post: {
        summary: `Submit a ${type}${routable ? ' (without recipient: routed to the agency with jurisdiction)' : ''}`,
        tags: ['submission'],
        security: [{ bearer: [] }],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: routable ? ['body'] : ['recipient', 'body'],
                additionalProperties: false,
                properties: {
                  recipient: { type: 'string', pattern: '^\\d{6}$', description: 'member id of the receiving agency' },
                  messageId: {
                    type: 'string',
                    format: 'uuid',
                    description: 'idempotency: resubmitting the same id returns the first result',
                  },
                  causationId: { type: 'string', format: 'uuid' },
                  body: { $ref: `#/components/schemas/${name}` },
                },
              },
            },
          },
        },
        responses: {
          '202': { description: 'stored and queued for signing and delivery' },
          '400': { description: 'invalid body; `field` names the first offending field' },
          '401': { description: 'no valid bearer token' },
          '403': { description: `needs the ${role} role` },
          '409': {
            description:
              'the case lifecycle does not allow this result now, or MESSAGE_ID_CONFLICT: the messageId is used by another message',
          },
          '422': { description: 'unknown recipient, no agreement, no jurisdiction or unknown case' },
        },
      },
    };
  }
  delete doc.paths['/api/v1/{kind}'];
  if (doc.paths['/health']?.get) doc.paths['/health'].get.security = [];
  doc.components = {
    ...doc.components,
    schemas: { ...(doc.components?.schemas ?? {}), ...schemas },
  } as OpenAPIObject['components'];
  SwaggerModule.setup('docs', app, doc);
  return doc;
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
        properties[f.name] = avroToJsonSchema(f.type);
        if (f.defaultValue() === undefined) required.push(f.name);
      }
      return { type: 'object', additionalProperties: false, required, properties };
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
