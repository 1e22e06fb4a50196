import { In, type EntityManager } from 'typeorm';
import type { Database } from './database';
import type { Direction, MessageRecord, MessageStatus } from './records';
import { MESSAGE } from './schema/tables';
import { chunks, instant, params, storedInstant } from './sql';

/** What the partners' status reads of a ping. */
const PING_FIELDS = ['messageId', 'recipient', 'createdAt', 'status', 'reasonCode', 'sentAt', 'receiptAt'] as const;

/** A partner's last successful exchange and last ping (GET /api/v1/partners/status). */
export interface PartnerActivity {
  partner: string;
  /** Latest message the partner accepted (its receipt) or that it sent and this gateway accepted; pings aside. */
  lastExchangeAt: Date | null;
  lastPing: Pick<MessageRecord, (typeof PING_FIELDS)[number]> | null;
}

/** Every column a new row has: a message row is written whole (erased_at is set by retention only). */
const ALL = MESSAGE.fields().filter((f) => f !== 'erasedAt');
/** What re-verification reads of a signed message: the record and the columns derived from it. */
const SIGNED = [
  'messageId',
  'direction',
  'type',
  'sender',
  'recipient',
  'signature',
  'manifestSerial',
  'zone',
  'correlationId',
  'causationId',
  'createdAt',
  'bodySchema',
  'body',
  'record',
] as const satisfies (keyof MessageRecord)[];

export interface SignedRecordRow {
  messageId: string;
  direction: string;
  type: string;
  sender: string;
  recipient: string;
  signature: string;
  manifestSerial: number | null;
  value: Buffer | null;
  /** The stored columns derived from the record, as the API and console serve them. */
  derived: {
    zone: string;
    correlationId: string;
    causationId: string | null;
    createdAt: Date;
    bodySchema: string;
    body: string;
  };
}

export interface ReceiptUpdate {
  messageId: string;
  /** The agency that sent the receipt: must be the recipient of the message. */
  sender: string;
  status: 'accepted' | 'rejected';
  reasonCode: string | null;
  reason: string | null;
}

export interface MessageFilter {
  direction?: Direction;
  type?: string;
  status?: MessageStatus;
  partner?: string;
  correlationId?: string;
  limit?: number;
  offset?: number;
}

/** Messages this gateway sent or received, one row each. */
export class MessageRepository {
  constructor(private readonly db: Database) {}

  async insertMany(em: EntityManager, rows: MessageRecord[]): Promise<void> {
    if (rows.length === 0) return;
    await MESSAGE.insert(em, this.db.dialect, ALL, rows);
  }

  /**
   * Inserts the rows whose messageId is not stored yet (one multi-row statement per chunk) and
   * returns the ids it inserted. A row another transaction inserted first is skipped, not an
   * error: on PostgreSQL the statement waits for that transaction and then sees its row.
   */
  async insertAbsent(em: EntityManager, rows: MessageRecord[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const ids = await MESSAGE.insert(em, this.db.dialect, ALL, rows, {
      returning: 'messageId',
      onConflict: 'ON CONFLICT (message_id) DO NOTHING',
    });
    return new Set(ids.map(String));
  }

  /** The stored outbound messages among `ids`, with their request digests, in one query per chunk. */
  async submitted(em: EntityManager, ids: string[]): Promise<Map<string, MessageRecord>> {
    const found = new Map<string, MessageRecord>();
    for (const part of chunks([...new Set(ids)], 1)) {
      const rows = await em
        .getRepository(this.db.entities.message)
        .createQueryBuilder('m')
        .addSelect('m.requestDigest')
        .where('m.messageId IN (:...ids)', { ids: part })
        .getMany();
      for (const r of rows) found.set(r.messageId, r);
    }
    return found;
  }

  /** Which of `ids` are stored, each with the position it was read from (null for outbound or older rows). */
  async existing(em: EntityManager, ids: string[]): Promise<Map<string, string | null>> {
    const found = new Map<string, string | null>();
    for (const part of chunks(ids, 1)) {
      const rows = await em
        .getRepository(this.db.entities.message)
        .find({ select: { messageId: true, recordPosition: true }, where: { messageId: In(part) } });
      for (const r of rows) found.set(r.messageId, r.recordPosition ?? null);
    }
    return found;
  }

  /** Marks published messages sent and stores their signatures; a receipt that came first wins. */
  async markSent(em: EntityManager, signed: { messageId: string; signature: string }[], at: Date): Promise<void> {
    const d = this.db.dialect;
    for (const part of chunks(signed, 2)) {
      const p = params(d, part.length * 2 + 1);
      // Markers in text order: the VALUES pairs, then sent_at (SQLite's `?` are positional).
      const values = part.map((_, i) => `(${p[2 * i]}, ${p[2 * i + 1]})`).join(', ');
      const args: unknown[] = part.flatMap((s) => [s.messageId, s.signature]);
      args.push(instant(d, at));
      await em.query(
        `WITH v(id, sig) AS (VALUES ${values})
         UPDATE message SET signature = v.sig, sent_at = ${p[p.length - 1]},
           status = CASE WHEN message.status = 'pending' THEN 'sent' ELSE message.status END
         FROM v WHERE message.message_id = v.id`,
        args,
      );
    }
  }

  /**
   * Marks outbound messages the broker can never take as failed, with the reason (shown by API,
   * metrics, console).
   */
  async markFailed(
    em: EntityManager,
    failed: { messageId: string; reasonCode: string; reason: string }[],
  ): Promise<void> {
    const p = params(this.db.dialect, 3);
    for (const f of failed) {
      await em.query(
        `UPDATE message SET status = 'failed', reason_code = ${p[0]}, reason = ${p[1]}
         WHERE message_id = ${p[2]} AND direction = 'out' AND status = 'pending'`,
        [f.reasonCode, f.reason.slice(0, 2000), f.messageId],
      );
    }
  }

  /**
   * Applies receipts to outbound messages in one statement; a message that already has a
   * receipt keeps it (the first receipt wins), except that an acceptance overrides a rejection:
   * the partner replayed the record from its quarantine once the cause was fixed. Acceptance is
   * final. Returns the ids of the messages updated.
   */
  async applyReceipts(em: EntityManager, receipts: ReceiptUpdate[], at: Date): Promise<Set<string>> {
    const d = this.db.dialect;
    const updated = new Set<string>();
    const unique = [...new Map(receipts.map((r) => [r.messageId, r])).values()];
    for (const part of chunks(unique, 5)) {
      const p = params(d, part.length * 5 + 1);
      const values = part.map((_, i) => `(${p.slice(5 * i, 5 * i + 5).join(', ')})`).join(', ');
      const args: unknown[] = part.flatMap((r) => [r.messageId, r.sender, r.status, r.reasonCode, r.reason]);
      args.push(instant(d, at));
      const raw: unknown = await em.query(
        `WITH v(id, sender, status, code, reason) AS (VALUES ${values})
         UPDATE message SET status = v.status, reason_code = v.code, reason = v.reason, receipt_at = ${p[p.length - 1]}
         FROM v WHERE message.message_id = v.id AND message.direction = 'out' AND message.recipient = v.sender
           AND (message.status IN ('pending', 'sent') OR (message.status = 'rejected' AND v.status = 'accepted'))
         RETURNING message.message_id`,
        args,
      );
      // PostgreSQL answers an UPDATE with [rows, count], SQLite with rows.
      const rows = (Array.isArray(raw) && Array.isArray(raw[0]) ? raw[0] : raw) as { message_id: string }[];
      for (const r of rows) updated.add(r.message_id);
    }
    return updated;
  }

  /** Routing columns only (no body) of these messages. */
  async findHeaders(
    em: EntityManager,
    ids: string[],
  ): Promise<Pick<MessageRecord, 'messageId' | 'type' | 'recipient' | 'correlationId'>[]> {
    const out: Pick<MessageRecord, 'messageId' | 'type' | 'recipient' | 'correlationId'>[] = [];
    for (const part of chunks(ids, 1)) {
      out.push(
        ...(await em.getRepository(this.db.entities.message).find({
          select: { messageId: true, type: true, recipient: true, correlationId: true },
          where: { messageId: In(part) },
        })),
      );
    }
    return out;
  }

  /**
   * Stored signatures with the exact bytes they sign (the record kept with the message, received
   * or published), a page at a time, for re-verification.
   */
  async *signedRecords(correlationId?: string, pageSize = 1000): AsyncGenerator<SignedRecordRow> {
    let after = '';
    // Markers in text order: SQLite's `?` are positional (the LIMIT took the case number before).
    const p = params(this.db.dialect, correlationId ? 3 : 2);
    for (;;) {
      const rows = (await this.db.manager.query(
        `SELECT ${MESSAGE.list(SIGNED, 'm')}
         FROM message m
         WHERE m.signature IS NOT NULL AND m.message_id > ${p[0]}
           ${correlationId ? `AND m.correlation_id = ${p[1]} ` : ''}ORDER BY m.message_id LIMIT ${p[p.length - 1]}`,
        correlationId ? [after, correlationId, pageSize] : [after, pageSize],
      )) as Record<string, unknown>[];
      if (rows.length === 0) return;
      for (const raw of rows) {
        const r = MESSAGE.decode(raw, SIGNED);
        yield {
          messageId: r.messageId,
          direction: r.direction,
          type: r.type,
          sender: r.sender,
          recipient: r.recipient,
          signature: String(r.signature),
          manifestSerial: r.manifestSerial,
          value: r.record ?? null,
          derived: {
            zone: r.zone,
            correlationId: r.correlationId,
            causationId: r.causationId,
            createdAt: r.createdAt,
            bodySchema: r.bodySchema,
            body: r.body,
          },
        };
      }
      after = String(rows[rows.length - 1].message_id);
    }
  }

  async find(messageId: string): Promise<MessageRecord | null> {
    return this.db.manager.getRepository(this.db.entities.message).findOneBy({ messageId });
  }

  async list(f: MessageFilter): Promise<MessageRecord[]> {
    const qb = this.db.manager.getRepository(this.db.entities.message).createQueryBuilder('m');
    if (f.direction) qb.andWhere('m.direction = :direction', { direction: f.direction });
    if (f.type) qb.andWhere('m.type = :type', { type: f.type });
    if (f.status) qb.andWhere('m.status = :status', { status: f.status });
    if (f.correlationId) qb.andWhere('m.correlation_id = :cid', { cid: f.correlationId });
    if (f.partner) qb.andWhere('(m.sender = :partner OR m.recipient = :partner)', { partner: f.partner });
    return qb
      .orderBy('m.created_at', 'DESC')
      .addOrderBy('m.message_id')
      .take(f.limit ?? 100)
      .skip(f.offset ?? 0)
      .getMany();
  }

  /**
   * Messages of `types` created in `[from, to)`, counted in SQL per partner (the recipient of
   * what was sent, the sender of what was received), direction, type and status.
   */
  async partnerCounts(
    from: Date,
    to: Date,
    types: readonly string[],
  ): Promise<{ partner: string; direction: Direction; type: string; status: MessageStatus; n: number }[]> {
    if (types.length === 0) return [];
    const d = this.db.dialect;
    const p = params(d, types.length + 2);
    const rows = (await this.db.manager.query(
      `SELECT CASE WHEN direction = 'out' THEN recipient ELSE sender END AS partner, direction, type, status,
              COUNT(*) AS n
       FROM message WHERE created_at >= ${p[0]} AND created_at < ${p[1]} AND type IN (${p.slice(2).join(', ')})
       GROUP BY CASE WHEN direction = 'out' THEN recipient ELSE sender END, direction, type, status`,
      [instant(d, from), instant(d, to), ...types],
    )) as { partner: string; direction: Direction; type: string; status: MessageStatus; n: string | number }[];
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  /**
   * Per partner we sent to: when its last receipt arrived here (undefined when none has yet) and
   * how many messages to it have none yet (pending in the outbox or sent), for the partner-silent
   * alert: a partner is silent to us whether the cut is on its side or ours.
   */
  async receiptsByPartner(): Promise<{ partner: string; lastReceiptAt?: Date; awaiting: number }[]> {
    const rows = (await this.db.manager.query(
      `SELECT recipient AS partner, MAX(receipt_at) AS last_receipt_at,
              SUM(CASE WHEN status IN ('pending', 'sent') THEN 1 ELSE 0 END) AS awaiting
       FROM message WHERE direction = 'out' AND type <> 'RECEIPT' GROUP BY recipient ORDER BY recipient`,
    )) as { partner: string; last_receipt_at: unknown; awaiting: string | number | null }[];
    return rows.map((r) => ({
      partner: r.partner,
      ...(r.last_receipt_at === null || r.last_receipt_at === undefined
        ? {}
        : { lastReceiptAt: storedInstant(r.last_receipt_at) }),
      awaiting: Number(r.awaiting ?? 0),
    }));
  }

  /** Counts by direction, type and status (demo summary, health). */
  async counts(): Promise<{ direction: string; type: string; status: string; n: number }[]> {
    const rows: { direction: string; type: string; status: string; n: string | number }[] = await this.db.manager.query(
      `SELECT direction, type, status, COUNT(*) AS n FROM message
       GROUP BY direction, type, status ORDER BY direction, type, status`,
    );
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  }

  /**
   * The highest offset stored per partition of an inbox topic: received messages (record_position)
   * and quarantined records. After a database restore this is behind the group's committed offset.
   */
  async lastStoredOffsets(topic: string): Promise<Map<number, bigint>> {
    const d = this.db.dialect;
    const [p1, p2] = params(d, 2);
    const positions = (await this.db.manager.query(
      `SELECT record_position AS position FROM message
       WHERE direction = 'in' AND record_position IS NOT NULL AND SUBSTR(record_position, 1, ${p1}) = ${p2}`,
      [topic.length + 1, `${topic}/`],
    )) as { position: string }[];
    const last = new Map<number, bigint>();
    const keep = (partition: number, offset: bigint) => {
      if (offset > (last.get(partition) ?? -1n)) last.set(partition, offset);
    };
    for (const { position } of positions) {
      const [partition, offset] = position.slice(topic.length + 1).split('/');
      keep(Number(partition), BigInt(offset));
    }
    const [q1] = params(d, 1);
    const quarantined = (await this.db.manager.query(
      `SELECT "partition" AS partition, "offset" AS "offset" FROM quarantine WHERE topic = ${q1}`,
      [topic],
    )) as { partition: number | string; offset: string }[];
    for (const q of quarantined) keep(Number(q.partition), BigInt(q.offset));
    return last;
  }

  /** Sender and recipient of the stored messages among `ids` (who may ask to erase them). */
  async parties(ids: readonly string[]): Promise<Pick<MessageRecord, 'messageId' | 'sender' | 'recipient'>[]> {
    const out: Pick<MessageRecord, 'messageId' | 'sender' | 'recipient'>[] = [];
    for (const part of chunks([...new Set(ids)], 1)) {
      out.push(
        ...(await this.db.manager.getRepository(this.db.entities.message).find({
          select: { messageId: true, sender: true, recipient: true },
          where: { messageId: In(part) },
        })),
      );
    }
    return out;
  }

  /** Inbound messages of `type` per sender among `senders` received here at or after `since` (a sender's rate). */
  async receivedSince(
    em: EntityManager,
    type: string,
    senders: readonly string[],
    since: Date,
  ): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    if (senders.length === 0) return counts;
    const d = this.db.dialect;
    const p = params(d, senders.length + 2);
    const rows = (await em.query(
      `SELECT sender, COUNT(*) AS n FROM message
       WHERE direction = 'in' AND type = ${p[0]} AND received_at >= ${p[1]} AND sender IN (${p.slice(2).join(', ')})
       GROUP BY sender`,
      [type, instant(d, since), ...senders],
    )) as { sender: string; n: string | number }[];
    for (const r of rows) counts.set(r.sender, Number(r.n));
    return counts;
  }

  /**
   * Per partner: the last successful exchange (a message of ours its receipt accepted, or one of
   * its messages stored here) over every type but `ping` and `aside` (receipts answer exchanges, they
   * are none of their own), and the last ping this gateway sent it.
   */
  async partnerActivity(ping: string, aside: readonly string[]): Promise<PartnerActivity[]> {
    const d = this.db.dialect;
    const p = params(d, aside.length + 1);
    const exchanges = (await this.db.manager.query(
      `SELECT CASE WHEN direction = 'out' THEN recipient ELSE sender END AS partner,
              MAX(CASE WHEN direction = 'out' THEN receipt_at ELSE received_at END) AS last_at
       FROM message WHERE type NOT IN (${p.join(', ')}) AND (direction = 'in' OR status = 'accepted')
       GROUP BY CASE WHEN direction = 'out' THEN recipient ELSE sender END`,
      [ping, ...aside],
    )) as { partner: string; last_at: unknown }[];
    const [p2] = params(d, 1);
    const pings = (
      (await this.db.manager.query(
        `SELECT ${MESSAGE.list(PING_FIELDS, 'm')} FROM message m
         WHERE m.type = ${p2} AND m.direction = 'out' AND m.created_at = (
           SELECT MAX(l.created_at) FROM message l WHERE l.type = m.type AND l.direction = 'out' AND l.recipient = m.recipient)`,
        [ping],
      )) as Record<string, unknown>[]
    ).map((raw) => MESSAGE.decode(raw, PING_FIELDS));
    const byPartner = new Map<string, PartnerActivity>();
    const of = (partner: string) =>
      byPartner.get(partner) ?? byPartner.set(partner, { partner, lastExchangeAt: null, lastPing: null }).get(partner)!;
    for (const e of exchanges) of(e.partner).lastExchangeAt = e.last_at ? storedInstant(e.last_at) : null;
    for (const p of pings) of(p.recipient).lastPing = p;
    return [...byPartner.values()].sort((a, b) => a.partner.localeCompare(b.partner));
  }
}
