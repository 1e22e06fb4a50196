// The webhooks part of the HTTP contract (docs/webhooks.md): the admin operations on endpoints and
// deliveries, and one documented schema per event a county system receives (OpenAPI 3.0 has no
// `webhooks` section; each event is a component `WebhookEvent…` and WebhookEvent lists them).

import { WEBHOOK_EVENT_TYPES } from '@xietong/exchange';

type JsonSchema = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string) => json(ref('Error'), description);
const str: JsonSchema = { type: 'string' };
const instant: JsonSchema = { type: 'string', format: 'date-time' };
const nullable = (schema: JsonSchema): JsonSchema => ({ ...schema, nullable: true });
const endpointId = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'endpoint id',
  schema: { type: 'string', format: 'uuid' },
};
const eventTypes: JsonSchema = {
  type: 'array',
  minItems: 1,
  items: { type: 'string', enum: ['*', ...WEBHOOK_EVENT_TYPES] },
  description: 'the event types sent to the endpoint; `*` for all',
};
const endpointBody = (required: string[]): JsonSchema => ({
  type: 'object',
  // OpenAPI 3.0 refuses an empty `required`.
  ...(required.length > 0 ? { required } : {}),
  additionalProperties: false,
  properties: {
    url: { type: 'string', maxLength: 2000, description: 'http(s) URL; private addresses only if allowlisted' },
    eventTypes,
    description: nullable({ type: 'string', maxLength: 200 }),
    enabled: { type: 'boolean' },
  },
});
const badRequest = error('a field is missing or out of range, or the id is malformed (`VALIDATION_FAILED`)');
const notFound = error('no such endpoint or delivery (`NOT_FOUND`)');
const refused = error(
  'the URL is on a loopback, link-local or private address not allowlisted (`WEBHOOK_URL_REFUSED`)',
);
const tags = ['webhooks'];

const data = (properties: Record<string, JsonSchema>, required: string[]): JsonSchema => ({
  type: 'object',
  required,
  properties: { ...properties, links: { type: 'object', additionalProperties: str } },
});
const EVENT_DATA: Record<(typeof WEBHOOK_EVENT_TYPES)[number], JsonSchema> = {
  'message.received': data(
    {
      messageId: str,
      messageType: str,
      sender: str,
      correlationId: str,
      zone: str,
      createdAt: instant,
    },
    ['messageId', 'messageType', 'sender', 'correlationId'],
  ),
  'message.accepted': data({ messageId: str, partner: str, receiptId: str }, ['messageId', 'partner']),
  'message.rejected': data({ messageId: str, partner: str, receiptId: str, reasonCode: nullable(str) }, [
    'messageId',
    'partner',
    'reasonCode',
  ]),
  'record.quarantined': data(
    {
      quarantineId: nullable(str),
      reasonCode: str,
      messageId: nullable(str),
      claimedSender: nullable(str),
      position: str,
    },
    ['reasonCode', 'position'],
  ),
};
const pascal = (t: string) =>
  t
    .split(/[._]/)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');

/** Components of the webhook operations and events. */
export const WEBHOOK_SCHEMAS: Record<string, JsonSchema> = {
  WebhookEndpoint: {
    type: 'object',
    required: ['id', 'url', 'eventTypes', 'enabled', 'createdAt', 'updatedAt'],
    properties: {
      id: str,
      url: str,
      eventTypes,
      description: nullable(str),
      enabled: { type: 'boolean' },
      disabledReason: nullable({ type: 'string', description: 'gone (410), failing (too long), admin' }),
      failingSince: nullable(instant),
      previousSecretUntil: nullable({ ...instant, description: 'the old secret still signs until then' }),
      createdAt: instant,
      updatedAt: instant,
    },
  },
  WebhookDelivery: {
    type: 'object',
    required: ['id', 'eventId', 'eventType', 'status', 'attempts', 'log'],
    properties: {
      id: str,
      eventId: { type: 'string', description: 'the webhook-id header' },
      eventType: str,
      endpointId: str,
      status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
      attempts: { type: 'integer' },
      nextAttemptAt: instant,
      lastStatusCode: nullable({ type: 'integer' }),
      lastError: nullable(str),
      createdAt: instant,
      deliveredAt: nullable(instant),
      log: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            deliveryId: { type: 'integer' },
            attemptedAt: instant,
            statusCode: nullable({ type: 'integer' }),
            durationMs: { type: 'integer' },
            error: nullable(str),
          },
        },
      },
    },
  },
  WebhookEvent: {
    description:
      'The body of every webhook (Standard Webhooks 1.0: headers webhook-id, webhook-timestamp, webhook-signature); `data` has the shape of the event type',
    oneOf: WEBHOOK_EVENT_TYPES.map((t) => ref(`WebhookEvent${pascal(t)}`)),
  },
  ...Object.fromEntries(
    WEBHOOK_EVENT_TYPES.map((t) => [
      `WebhookEvent${pascal(t)}`,
      {
        type: 'object',
        required: ['type', 'timestamp', 'data'],
        properties: { type: { type: 'string', enum: [t] }, timestamp: instant, data: EVENT_DATA[t] },
      },
    ]),
  ),
};

const endpointWithSecret = {
  allOf: [
    ref('WebhookEndpoint'),
    { type: 'object', required: ['secret'], properties: { secret: { type: 'string', pattern: '^whsec_' } } },
  ],
};

/** The admin operations, by `METHOD path` as in the generated document. */
export const WEBHOOK_OPERATIONS: Record<
  string,
  {
    summary: string;
    operationId: string;
    tags: string[];
    parameters?: JsonSchema[];
    requestBody?: JsonSchema;
    responses: Record<string, JsonSchema>;
  }
> = {
  'post /api/v1/webhooks/endpoints': {
    summary: 'Add a webhook endpoint; the answer holds its secret, shown this once (admin)',
    operationId: 'createWebhookEndpoint',
    tags,
    requestBody: { required: true, content: { 'application/json': { schema: endpointBody(['url']) } } },
    responses: {
      '201': json(endpointWithSecret, 'the endpoint and its whsec_ secret'),
      '400': badRequest,
      '422': refused,
    },
  },
  'get /api/v1/webhooks/endpoints': {
    summary: 'List webhook endpoints (admin)',
    operationId: 'listWebhookEndpoints',
    tags,
    responses: {
      '200': json(
        {
          type: 'object',
          required: ['items'],
          properties: { items: { type: 'array', items: ref('WebhookEndpoint') } },
        },
        'the endpoints',
      ),
    },
  },
  'get /api/v1/webhooks/endpoints/{id}': {
    summary: 'One webhook endpoint (admin)',
    operationId: 'getWebhookEndpoint',
    tags,
    parameters: [endpointId],
    responses: { '200': json(ref('WebhookEndpoint'), 'the endpoint'), '400': badRequest, '404': notFound },
  },
  'patch /api/v1/webhooks/endpoints/{id}': {
    summary: 'Change an endpoint: URL, event types, description, enabled (enabling clears a disabling) (admin)',
    operationId: 'updateWebhookEndpoint',
    tags,
    parameters: [endpointId],
    requestBody: { required: true, content: { 'application/json': { schema: endpointBody([]) } } },
    responses: {
      '200': json(ref('WebhookEndpoint'), 'the endpoint as changed'),
      '400': badRequest,
      '404': notFound,
      '422': refused,
    },
  },
  'delete /api/v1/webhooks/endpoints/{id}': {
    summary: 'Remove an endpoint with its queue and delivery log (admin)',
    operationId: 'deleteWebhookEndpoint',
    tags,
    parameters: [endpointId],
    responses: {
      '200': json({ type: 'object', required: ['deleted'], properties: { deleted: str } }, 'removed'),
      '400': badRequest,
      '404': notFound,
    },
  },
  'post /api/v1/webhooks/endpoints/{id}/rotate-secret': {
    summary: 'A new secret; the previous one keeps signing beside it for the overlap (admin)',
    operationId: 'rotateWebhookSecret',
    tags,
    parameters: [endpointId],
    requestBody: {
      required: false,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            additionalProperties: false,
            properties: {
              overlapSeconds: {
                type: 'integer',
                minimum: 0,
                maximum: 2592000,
                description: 'how long the previous secret still signs (default XIETONG_WEBHOOK_SECRET_OVERLAP)',
              },
            },
          },
        },
      },
    },
    responses: {
      '200': json(
        {
          type: 'object',
          required: ['secret', 'previousSecretUntil'],
          properties: { secret: { type: 'string', pattern: '^whsec_' }, previousSecretUntil: instant },
        },
        'the new secret, shown this once',
      ),
      '400': badRequest,
      '404': notFound,
    },
  },
  'get /api/v1/webhooks/endpoints/{id}/deliveries': {
    summary: 'The newest deliveries to an endpoint with every attempt: status code, duration, error (admin)',
    operationId: 'listWebhookDeliveries',
    tags,
    parameters: [endpointId],
    responses: {
      '200': json(
        {
          type: 'object',
          required: ['items'],
          properties: { items: { type: 'array', items: ref('WebhookDelivery') } },
        },
        'the delivery log',
      ),
      '400': badRequest,
      '404': notFound,
    },
  },
  'post /api/v1/webhooks/deliveries/{id}/redeliver': {
    summary: 'Send a delivery again, now, with the same webhook-id (admin)',
    operationId: 'redeliverWebhook',
    tags,
    parameters: [{ ...endpointId, description: 'delivery id', schema: { type: 'string', pattern: '^\\d{1,18}$' } }],
    responses: {
      '202': json(
        { type: 'object', required: ['deliveryId', 'endpointId'], properties: { deliveryId: str, endpointId: str } },
        'queued',
      ),
      '400': badRequest,
      '404': notFound,
    },
  },
};
