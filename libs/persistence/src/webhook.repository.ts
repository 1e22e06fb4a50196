import type { EntityManager } from 'typeorm';
import type { Database } from './database';
import type { RowOf, RowPick } from './schema/table-spec';
import { WEBHOOK_ATTEMPT, WEBHOOK_DELIVERY, WEBHOOK_ENDPOINT, WEBHOOK_EVENT } from './schema/tables';
import { chunks, instant, params } from './sql';

export type WebhookEndpointRecord = RowOf<typeof WEBHOOK_ENDPOINT.columns>;
export type WebhookDeliveryRecord = RowOf<typeof WEBHOOK_DELIVERY.columns>;
export type WebhookAttemptRecord = RowOf<typeof WEBHOOK_ATTEMPT.columns>;

/** An event to push: its `webhook-id`, type and exact JSON body. */
export interface NewWebhookEvent {
  id: string;
  type: string;
  payload: string;
}

/** A delivery taken for one attempt, with what sending it needs. */
export interface ClaimedWebhookDelivery {
  id: string;
  eventId: string;
  endpointId: string;
  attempts: number;
  eventType: string;
  payload: string;
  url: string;
  /** Encrypted, as stored. */
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
  failingSince: Date | null;
}

/** What one attempt came to, decided by the dispatcher's planner. */
export interface WebhookAttemptOutcome {
  delivery: ClaimedWebhookDelivery;
  attemptedAt: Date;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  next: { kind: 'delivered' } | { kind: 'retry'; at: Date } | { kind: 'failed' };
  /** Disables the endpoint with this reason (410 Gone, or failing for too long). */
  disable?: string;
}

export interface WebhookDeliveryView extends RowPick<
  typeof WEBHOOK_DELIVERY.columns,
  (typeof DELIVERY_FIELDS)[number]
> {
  eventType: string;
  attempts: number;
  log: RowPick<typeof WEBHOOK_ATTEMPT.columns, (typeof ATTEMPT_FIELDS)[number]>[];
}

const DELIVERY_FIELDS = [
  'id',
  'eventId',
  'endpointId',
  'status',
  'attempts',
  'nextAttemptAt',
  'lastStatusCode',
  'lastError',
  'createdAt',
  'deliveredAt',
] as const;
const ATTEMPT_FIELDS = ['deliveryId', 'attemptedAt', 'statusCode', 'durationMs', 'error'] as const;

/**
 * Webhook endpoints, the events written with the transactions that cause them, the delivery queue
 * (one row per event and endpoint) and the attempt log (docs/webhooks.md).
 */
export class WebhookRepository {
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly db: Database) {}

  /**
   * Calls `listener` whenever deliveries were recorded in this process (before the commit: on
   * SQLite, whose transactions run one after another, a claim that follows sees them; on
   * PostgreSQL the NOTIFY of the commit wakes {@link watch} as well).
   */
  onRecord(listener: () => void): void {
    this.listeners.push(listener);
  }

  private bool(v: boolean): boolean | number {
    return this.db.dialect === 'postgres' ? v : Number(v);
  }

  /**
   * Records events inside the caller's transaction: one delivery row for each enabled endpoint
   * that takes the event's type. An event no endpoint takes is not stored.
   */
  async record(em: EntityManager, events: NewWebhookEvent[], now = new Date()): Promise<number> {
    if (events.length === 0) return 0;
    const endpoints = (
      (await em.query(`SELECT id, event_types FROM webhook_endpoint WHERE enabled = ${params(this.db.dialect, 1)[0]}`, [
        this.bool(true),
      ])) as Record<string, unknown>[]
    ).map((r) => ({ id: String(r.id), types: JSON.parse(String(r.event_types)) as string[] }));
    const deliveries = events.flatMap((e) =>
      endpoints
        .filter((p) => p.types.includes('*') || p.types.includes(e.type))
        .map((p) => ({
          eventId: e.id,
          endpointId: p.id,
          status: 'pending' as const,
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
        })),
    );
    if (deliveries.length === 0) return 0;
    const taken = new Set(deliveries.map((d) => d.eventId));
    await WEBHOOK_EVENT.insert(
      em,
      this.db.dialect,
      ['id', 'type', 'payload', 'createdAt'],
      events.filter((e) => taken.has(e.id)).map((e) => ({ ...e, createdAt: now })),
    );
    await WEBHOOK_DELIVERY.insert(
      em,
      this.db.dialect,
      ['eventId', 'endpointId', 'status', 'attempts', 'nextAttemptAt', 'createdAt'],
      deliveries,
    );
    // Wakes dispatchers in other processes when this transaction commits.
    const channel = this.db.channel('webhooks');
    if (channel) await em.query('SELECT pg_notify($1, NULL)', [channel]);
    for (const l of this.listeners) l();
    return deliveries.length;
  }

  /** PostgreSQL: calls `onPending` when another transaction commits deliveries; undefined on SQLite. */
  async watch(onPending: () => void, onError: (e: Error) => void): Promise<(() => Promise<void>) | undefined> {
    const channel = this.db.channel('webhooks');
    return channel ? this.db.listen(channel, onPending, onError) : undefined;
  }

  /**
   * Takes due deliveries of enabled endpoints for one attempt each and leases them until
   * `leaseUntil` (committed at once, so no transaction stays open during the HTTP calls): a process
   * that dies mid-attempt leaves them due again after the lease, to be sent with the same id.
   */
  async claim(limit: number, now: Date, leaseUntil: Date): Promise<ClaimedWebhookDelivery[]> {
    const d = this.db.dialect;
    const p = params(d, 3);
    const lock = d === 'postgres' ? ' FOR UPDATE OF d SKIP LOCKED' : '';
    return this.db.transaction(async (em) => {
      const rows = (await em.query(
        `SELECT d.id, d.event_id, d.endpoint_id, d.attempts, e.type, e.payload, p.url, p.secret,
                p.previous_secret, p.previous_secret_until, p.failing_since
         FROM webhook_delivery d
         JOIN webhook_event e ON e.id = d.event_id
         JOIN webhook_endpoint p ON p.id = d.endpoint_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= ${p[0]} AND p.enabled = ${p[1]}
         ORDER BY d.next_attempt_at, d.id LIMIT ${p[2]}${lock}`,
        [instant(d, now), this.bool(true), limit],
      )) as Record<string, unknown>[];
      if (rows.length === 0) return [];
      const ids = rows.map((r) => String(r.id));
      for (const part of chunks(ids, 1, 900))
        await em.query(
          `UPDATE webhook_delivery SET next_attempt_at = ${params(d, 1)[0]} WHERE id IN (${params(d, part.length, 2).join(', ')})`,
          [instant(d, leaseUntil), ...part],
        );
      return rows.map((r) => {
        const endpoint = WEBHOOK_ENDPOINT.decode(r, ['url', 'secret', 'previousSecret', 'previousSecretUntil']);
        const delivery = WEBHOOK_DELIVERY.decode(r, ['id', 'eventId', 'endpointId', 'attempts']);
        return {
          ...delivery,
          ...endpoint,
          failingSince: WEBHOOK_ENDPOINT.decode(r, ['failingSince']).failingSince,
          eventType: String(r.type),
          payload: String(r.payload),
        };
      });
    });
  }

  /** Writes what attempts came to: the attempt log, the deliveries' state, the endpoints' health. */
  async complete(outcomes: WebhookAttemptOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const d = this.db.dialect;
    await this.db.transaction(async (em) => {
      await WEBHOOK_ATTEMPT.insert(
        em,
        d,
        ['deliveryId', 'endpointId', 'eventId', 'attemptedAt', 'statusCode', 'durationMs', 'error'],
        outcomes.map((o) => ({
          deliveryId: Number(o.delivery.id),
          endpointId: o.delivery.endpointId,
          eventId: o.delivery.eventId,
          attemptedAt: o.attemptedAt,
          statusCode: o.statusCode,
          durationMs: Math.round(o.durationMs),
          error: o.error?.slice(0, 2000) ?? null,
        })),
      );
      const p = params(d, 7);
      for (const o of outcomes) {
        const status = o.next.kind === 'retry' ? 'pending' : o.next.kind;
        await em.query(
          `UPDATE webhook_delivery SET status = ${p[0]}, attempts = attempts + 1, next_attempt_at = ${p[1]},
             last_status_code = ${p[2]}, last_error = ${p[3]}, delivered_at = ${p[4]}
           WHERE id = ${p[5]} AND status = ${p[6]}`,
          [
            status,
            instant(d, o.next.kind === 'retry' ? o.next.at : o.attemptedAt),
            o.statusCode,
            o.error?.slice(0, 2000) ?? null,
            o.next.kind === 'delivered' ? instant(d, o.attemptedAt) : null,
            o.delivery.id,
            'pending',
          ],
        );
        await this.endpointHealth(em, o);
      }
    });
  }

  private async endpointHealth(em: EntityManager, o: WebhookAttemptOutcome): Promise<void> {
    const d = this.db.dialect;
    const p = params(d, 4);
    const at = instant(d, o.attemptedAt);
    if (o.next.kind === 'delivered') {
      await em.query(`UPDATE webhook_endpoint SET failing_since = NULL WHERE id = ${p[0]}`, [o.delivery.endpointId]);
      return;
    }
    await em.query(`UPDATE webhook_endpoint SET failing_since = COALESCE(failing_since, ${p[0]}) WHERE id = ${p[1]}`, [
      at,
      o.delivery.endpointId,
    ]);
    if (o.disable)
      await em.query(
        `UPDATE webhook_endpoint SET enabled = ${p[0]}, disabled_reason = ${p[1]}, updated_at = ${p[2]} WHERE id = ${p[3]}`,
        [this.bool(false), o.disable.slice(0, 200), at, o.delivery.endpointId],
      );
  }

  async insertEndpoint(row: WebhookEndpointRecord): Promise<void> {
    await this.db.transaction((em) => WEBHOOK_ENDPOINT.insert(em, this.db.dialect, WEBHOOK_ENDPOINT.fields(), [row]));
  }

  async endpoints(): Promise<WebhookEndpointRecord[]> {
    const rows = (await this.db.manager.query(
      `SELECT ${WEBHOOK_ENDPOINT.list(WEBHOOK_ENDPOINT.fields())} FROM webhook_endpoint ORDER BY created_at, id`,
    )) as Record<string, unknown>[];
    return rows.map((r) => WEBHOOK_ENDPOINT.decode(r, WEBHOOK_ENDPOINT.fields()));
  }

  async endpoint(id: string, em: EntityManager = this.db.manager): Promise<WebhookEndpointRecord | undefined> {
    const rows = (await em.query(
      `SELECT ${WEBHOOK_ENDPOINT.list(WEBHOOK_ENDPOINT.fields())} FROM webhook_endpoint WHERE id = ${params(this.db.dialect, 1)[0]}`,
      [id],
    )) as Record<string, unknown>[];
    return rows.length > 0 ? WEBHOOK_ENDPOINT.decode(rows[0], WEBHOOK_ENDPOINT.fields()) : undefined;
  }

  /** Changes some fields of an endpoint; false when there is none with this id. */
  async updateEndpoint(
    id: string,
    change: Partial<Omit<WebhookEndpointRecord, 'id' | 'createdAt'>> & { updatedAt: Date },
  ): Promise<boolean> {
    const d = this.db.dialect;
    const fields = Object.keys(change) as (keyof typeof change)[];
    const p = params(d, fields.length + 1);
    const set = fields.map((f, i) => `${WEBHOOK_ENDPOINT.column(f)} = ${p[i]}`).join(', ');
    const args = fields.map((f) => {
      const v = change[f];
      return v instanceof Date ? instant(d, v) : typeof v === 'boolean' ? this.bool(v) : v;
    });
    const result = (await this.db.transaction((em) =>
      em.query(`UPDATE webhook_endpoint SET ${set} WHERE id = ${p[fields.length]} RETURNING id`, [...args, id]),
    )) as unknown[];
    return rowsOf(result).length > 0;
  }

  /** Removes an endpoint with its queue and log; false when there is none with this id. */
  async deleteEndpoint(id: string): Promise<boolean> {
    const p = params(this.db.dialect, 1)[0];
    return this.db.transaction(async (em) => {
      await em.query(`DELETE FROM webhook_attempt WHERE endpoint_id = ${p}`, [id]);
      await em.query(`DELETE FROM webhook_delivery WHERE endpoint_id = ${p}`, [id]);
      return rowsOf(await em.query(`DELETE FROM webhook_endpoint WHERE id = ${p} RETURNING id`, [id])).length > 0;
    });
  }

  /** The newest deliveries to an endpoint, each with its attempts (status codes, timings, errors). */
  async deliveries(endpointId: string, limit = 100): Promise<WebhookDeliveryView[]> {
    const d = this.db.dialect;
    const p = params(d, 2);
    const rows = (await this.db.manager.query(
      `SELECT ${WEBHOOK_DELIVERY.list(DELIVERY_FIELDS, 'd')}, e.type AS event_type
       FROM webhook_delivery d JOIN webhook_event e ON e.id = d.event_id
       WHERE d.endpoint_id = ${p[0]} ORDER BY d.id DESC LIMIT ${p[1]}`,
      [endpointId, limit],
    )) as Record<string, unknown>[];
    const views = rows.map((r) => ({
      ...WEBHOOK_DELIVERY.decode(r, DELIVERY_FIELDS),
      eventType: String(r.event_type),
      log: [] as WebhookDeliveryView['log'],
    }));
    const byId = new Map(views.map((v) => [Number(v.id), v]));
    for (const part of chunks([...byId.keys()], 1, 900)) {
      const attempts = (await this.db.manager.query(
        `SELECT ${WEBHOOK_ATTEMPT.list(ATTEMPT_FIELDS)} FROM webhook_attempt
         WHERE delivery_id IN (${params(d, part.length).join(', ')}) ORDER BY id`,
        part,
      )) as Record<string, unknown>[];
      for (const a of attempts) {
        const row = WEBHOOK_ATTEMPT.decode(a, ATTEMPT_FIELDS);
        byId.get(row.deliveryId)?.log.push(row);
      }
    }
    return views;
  }

  /**
   * Puts a delivery back in the queue, due now (manual re-delivery): the same event and
   * `webhook-id`, signed anew. Returns its endpoint id, or undefined when there is no such delivery.
   */
  async redeliver(id: string, now = new Date()): Promise<string | undefined> {
    const d = this.db.dialect;
    const p = params(d, 4);
    const rows = (await this.db.transaction((em) =>
      em.query(
        `UPDATE webhook_delivery SET status = ${p[0]}, next_attempt_at = ${p[1]}, last_error = ${p[2]}
         WHERE id = ${p[3]} RETURNING endpoint_id`,
        ['pending', instant(d, now), null, id],
      ),
    )) as unknown[];
    const found = rowsOf(rows);
    return found.length > 0 ? String(found[0].endpoint_id) : undefined;
  }

  /** Deliveries still to make, and endpoints disabled or failing (for /health and /metrics). */
  async status(): Promise<{
    pending: number;
    endpoints: number;
    disabled: { id: string; reason: string | null }[];
    failing: { id: string; since: Date }[];
  }> {
    const [r] = (await this.db.manager.query(
      `SELECT COUNT(*) AS n FROM webhook_delivery WHERE status = 'pending'`,
    )) as { n: string | number }[];
    const all = await this.endpoints();
    return {
      pending: Number(r.n),
      endpoints: all.length,
      disabled: all.filter((e) => !e.enabled).map((e) => ({ id: e.id, reason: e.disabledReason })),
      failing: all.filter((e) => e.enabled && e.failingSince).map((e) => ({ id: e.id, since: e.failingSince! })),
    };
  }
}

/** Rows of a RETURNING statement: TypeORM gives `[rows, count]` for UPDATE/DELETE on PostgreSQL. */
function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as Record<string, unknown>[];
  return Array.isArray(result) ? (result as Record<string, unknown>[]) : [];
}
