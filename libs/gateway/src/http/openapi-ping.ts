// The connectivity check's operations (PingController), merged like OPERATIONS by setupOpenApi.
import { badQuery, error, json, path, q, type OperationContract } from './openapi-contract';

type JsonSchema = Record<string, unknown>;

const instant: JsonSchema = { type: 'string', format: 'date-time' };
const nullable = (schema: JsonSchema): JsonSchema => ({ ...schema, nullable: true });
const timeout = q(
  'timeoutMs',
  { type: 'integer', minimum: 100, maximum: 600000, default: 10000 },
  'how long a ping may go without a receipt before it counts as stalled (ms)',
);

/** How far a ping got: PingReport in libs/exchange. */
export const PING_REPORT: JsonSchema = {
  type: 'object',
  required: ['id', 'to', 'state', 'result', 'queuedAt', 'publishedAt', 'receiptAt', 'roundTripMs', 'hop', 'detail'],
  properties: {
    id: { type: 'string', format: 'uuid', description: 'the PING message id' },
    to: { type: 'string', pattern: '^\\d{6}$' },
    state: {
      type: 'string',
      enum: ['queued', 'published', 'answered', 'failed'],
      description:
        'queued (outbox) -> published (broker ack) -> answered (the partner receipt); failed: refused by the broker',
    },
    result: {
      type: 'string',
      enum: ['ok', 'rejected', 'pending', 'stalled', 'failed'],
      description: 'pending: within timeoutMs; stalled: past it, held up at `hop`',
    },
    queuedAt: instant,
    publishedAt: nullable(instant),
    receiptAt: nullable(instant),
    roundTripMs: { type: 'integer', nullable: true, description: 'from queued to the receipt applied here' },
    hop: {
      type: 'string',
      enum: ['relay', 'broker', 'partner'],
      nullable: true,
      description: 'where it waits or stopped: our relay, the broker, or the partner (its inbound or gateway)',
    },
    detail: { type: 'string' },
    reasonCode: { type: 'string', nullable: true, description: "the partner's reason code of a REJECTED receipt" },
  },
};

export const PING_OPERATIONS: Record<string, OperationContract> = {
  'post /api/v1/pings': {
    summary: 'Send a signed PING to a partner through the normal path; its normal receipt answers it (admin)',
    operationId: 'sendPing',
    tags: ['operations'],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['to'],
            additionalProperties: false,
            properties: { to: { type: 'string', pattern: '^\\d{6}$', description: 'member id of the partner' } },
          },
        },
      },
    },
    responses: {
      '202': json(PING_REPORT, 'queued; follow it at GET /api/v1/pings/{id}'),
      '400': error('`to` is not a 6-digit member id, or is this agency (`VALIDATION_FAILED`)'),
      '415': error('not application/json (`UNSUPPORTED_MEDIA_TYPE`)'),
      '422': error(
        'not a member, no agreement links the two, or the partner does not accept PING (`UNKNOWN_RECIPIENT`, `NOT_IN_AGREEMENT`, `UNSUPPORTED_TYPE`)',
      ),
    },
  },
  'get /api/v1/pings/{id}': {
    summary: 'How far a ping got: states with timestamps, the round trip, or the hop where it stopped (admin)',
    operationId: 'getPing',
    tags: ['operations'],
    parameters: [path('id', { type: 'string', format: 'uuid' }, 'the ping id'), timeout],
    responses: {
      '200': json(PING_REPORT, 'the ping report'),
      '400': badQuery,
      '404': error('no ping with this id was sent from here (`NOT_FOUND`)'),
    },
  },
  'get /api/v1/partners/status': {
    summary: 'Per partner: the last successful exchange and the last ping with its result (admin, auditor)',
    operationId: 'partnerStatus',
    tags: ['operations'],
    parameters: [timeout],
    responses: {
      '200': json(
        {
          type: 'object',
          required: ['items'],
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: ['partner', 'name', 'lastExchangeAt', 'lastPing'],
                properties: {
                  partner: { type: 'string', pattern: '^\\d{6}$' },
                  name: { type: 'string', nullable: true },
                  lastExchangeAt: nullable(instant),
                  lastPing: { ...PING_REPORT, nullable: true },
                },
              },
            },
          },
        },
        'every partner this agency shares an agreement with, and any other it exchanged with',
      ),
      '400': badQuery,
    },
  },
};
