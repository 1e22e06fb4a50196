import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError } from '@xietong/contracts';
import { newWebhookSecret, SecretBox } from '@xietong/crypto';
import { WebhookRepository, type WebhookDeliveryView, type WebhookEndpointRecord } from '@xietong/persistence';
import { SsrfGuard } from './ssrf-guard';
import { WebhookDispatcher, WebhookSettings } from './webhook-dispatcher';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES } from './webhook-events';

/** An endpoint as the API shows it: never its secret (shown once, when created or rotated). */
export interface WebhookEndpointView {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: Date | null;
  previousSecretUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface EndpointInput {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  enabled?: boolean;
}

const FIELDS = ['url', 'eventTypes', 'description', 'enabled'];

/**
 * Webhook endpoints for an admin (API and CLI): the URL is checked against the SSRF rule when it is
 * set (and again by the dispatcher at every connection), the secret is generated here, stored
 * encrypted and shown once; a rotation keeps the previous secret signing for an overlap.
 */
@Injectable()
export class WebhookAdmin {
  constructor(
    private readonly repo: WebhookRepository,
    private readonly box: SecretBox,
    private readonly guard: SsrfGuard,
    private readonly settings: WebhookSettings,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  async create(body: unknown, now = new Date()): Promise<WebhookEndpointView & { secret: string }> {
    const input = parseInput(body, true);
    await this.guard.checkUrl(input.url!);
    const secret = newWebhookSecret();
    const row: WebhookEndpointRecord = {
      id: randomUUID(),
      url: input.url!,
      eventTypes: JSON.stringify(input.eventTypes ?? ['*']),
      description: input.description ?? null,
      secret: this.box.seal(secret),
      previousSecret: null,
      previousSecretUntil: null,
      enabled: input.enabled ?? true,
      disabledReason: input.enabled === false ? 'admin' : null,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.repo.insertEndpoint(row);
    return { ...view(row), secret };
  }

  async list(): Promise<WebhookEndpointView[]> {
    return (await this.repo.endpoints()).map(view);
  }

  async get(id: string): Promise<WebhookEndpointView> {
    return view(await this.find(id));
  }

  async update(id: string, body: unknown, now = new Date()): Promise<WebhookEndpointView> {
    await this.find(id);
    const input = parseInput(body, false);
    if (input.url !== undefined) await this.guard.checkUrl(input.url);
    await this.repo.updateEndpoint(id, {
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(input.eventTypes !== undefined ? { eventTypes: JSON.stringify(input.eventTypes) } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.enabled === true ? { enabled: true, disabledReason: null, failingSince: null } : {}),
      ...(input.enabled === false ? { enabled: false, disabledReason: 'admin' } : {}),
      updatedAt: now,
    });
    if (input.enabled) this.dispatcher.wake();
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.repo.deleteEndpoint(id))) throw notFound(id);
  }

  /** A new secret; the old one keeps signing beside it for `overlapSeconds` (default XIETONG_WEBHOOK_SECRET_OVERLAP). */
  async rotate(id: string, body: unknown, now = new Date()): Promise<{ secret: string; previousSecretUntil: Date }> {
    const e = await this.find(id);
    const overlap = overlapOf(body, this.settings.secretOverlapMs);
    const secret = newWebhookSecret();
    const previousSecretUntil = new Date(now.getTime() + overlap);
    await this.repo.updateEndpoint(id, {
      secret: this.box.seal(secret),
      previousSecret: e.secret,
      previousSecretUntil,
      updatedAt: now,
    });
    return { secret, previousSecretUntil };
  }

  async deliveries(id: string): Promise<WebhookDeliveryView[]> {
    await this.find(id);
    return this.repo.deliveries(id);
  }

  async redeliver(deliveryId: string): Promise<{ deliveryId: string; endpointId: string }> {
    if (!/^\d{1,18}$/.test(deliveryId))
      throw new DomainError('VALIDATION_FAILED', 'a delivery id is a positive integer', 'id');
    const endpointId = await this.repo.redeliver(deliveryId);
    if (!endpointId) throw new DomainError('NOT_FOUND', `no webhook delivery ${deliveryId}`);
    this.dispatcher.wake();
    return { deliveryId, endpointId };
  }

  private async find(id: string): Promise<WebhookEndpointRecord> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new DomainError('VALIDATION_FAILED', 'an endpoint id is a UUID', 'id');
    return (await this.repo.endpoint(id)) ?? raise(notFound(id));
  }
}

function view(e: WebhookEndpointRecord): WebhookEndpointView {
  return {
    id: e.id,
    url: e.url,
    eventTypes: JSON.parse(e.eventTypes) as string[],
    description: e.description,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    failingSince: e.failingSince,
    previousSecretUntil: e.previousSecretUntil,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

function parseInput(body: unknown, creating: boolean): EndpointInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new DomainError('VALIDATION_FAILED', 'the request body must be a JSON object');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).find((k) => !FIELDS.includes(k));
  if (unknown) throw new DomainError('VALIDATION_FAILED', `unknown field ${unknown}`, unknown);
  if (creating && b.url === undefined) throw new DomainError('VALIDATION_FAILED', 'url is required', 'url');
  if (b.url !== undefined && (typeof b.url !== 'string' || b.url.length > 2000))
    throw new DomainError('VALIDATION_FAILED', 'url must be a string of at most 2000 characters', 'url');
  if (b.eventTypes !== undefined) {
    const t = b.eventTypes;
    if (!Array.isArray(t) || t.length === 0 || t.some((x) => x !== '*' && !isWebhookEventType(x)))
      throw new DomainError(
        'VALIDATION_FAILED',
        `eventTypes must be a non-empty array of * or ${WEBHOOK_EVENT_TYPES.join(', ')}`,
        'eventTypes',
      );
  }
  if (
    b.description !== undefined &&
    b.description !== null &&
    (typeof b.description !== 'string' || b.description.length > 200)
  )
    throw new DomainError('VALIDATION_FAILED', 'description must be a string of at most 200 characters', 'description');
  if (b.enabled !== undefined && typeof b.enabled !== 'boolean')
    throw new DomainError('VALIDATION_FAILED', 'enabled must be true or false', 'enabled');
  return b as EndpointInput;
}

function overlapOf(body: unknown, dflt: number): number {
  if (body === undefined || body === null) return dflt;
  const o = (body as Record<string, unknown>).overlapSeconds;
  if (o === undefined) return dflt;
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || o > 30 * 86_400)
    throw new DomainError('VALIDATION_FAILED', 'overlapSeconds must be an integer from 0 to 2592000', 'overlapSeconds');
  return o * 1000;
}

const notFound = (id: string) => new DomainError('NOT_FOUND', `no webhook endpoint ${id}`);

function raise(e: Error): never {
  throw e;
}
