import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, type Dialect } from '../column-types';

/**
 * Signed webhooks to the county's own systems (docs/webhooks.md, issue 25): endpoints, events
 * written in the transaction that causes them, the delivery queue (one row per event and
 * endpoint) and the log of every HTTP attempt.
 */
export class Webhooks1765400000000 implements MigrationInterface {
  name = 'Webhooks1765400000000';

  async up(q: QueryRunner): Promise<void> {
    const t = columnTypes(q.connection.options.type as Dialect);
    const instant = t.instant as string;
    const id = {
      name: 'id',
      type: t.serial as string,
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment' as const,
    };
    await q.createTable(
      new Table({
        name: 'webhook_endpoint',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'url', type: 'text' },
          { name: 'event_types', type: 'text' },
          { name: 'description', type: 'varchar', length: '200', isNullable: true },
          { name: 'secret', type: 'text' },
          { name: 'previous_secret', type: 'text', isNullable: true },
          { name: 'previous_secret_until', type: instant, isNullable: true },
          { name: 'enabled', type: 'boolean' },
          { name: 'disabled_reason', type: 'varchar', length: '200', isNullable: true },
          { name: 'failing_since', type: instant, isNullable: true },
          { name: 'created_at', type: instant },
          { name: 'updated_at', type: instant },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'webhook_event',
        columns: [
          { name: 'id', type: 'varchar', length: '40', isPrimary: true },
          { name: 'type', type: 'varchar', length: '40' },
          { name: 'payload', type: 'text' },
          { name: 'created_at', type: instant },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'webhook_delivery',
        columns: [
          id,
          { name: 'event_id', type: 'varchar', length: '40' },
          { name: 'endpoint_id', type: 'varchar', length: '36' },
          { name: 'status', type: 'varchar', length: '10' },
          { name: 'attempts', type: 'integer' },
          { name: 'next_attempt_at', type: instant },
          { name: 'last_status_code', type: 'integer', isNullable: true },
          { name: 'last_error', type: 'text', isNullable: true },
          { name: 'created_at', type: instant },
          { name: 'delivered_at', type: instant, isNullable: true },
        ],
      }),
    );
    await q.query(
      `CREATE INDEX ix_webhook_delivery_claim ON webhook_delivery (next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query('CREATE INDEX ix_webhook_delivery_endpoint ON webhook_delivery (endpoint_id, id)');
    await q.createTable(
      new Table({
        name: 'webhook_attempt',
        columns: [
          id,
          { name: 'delivery_id', type: 'bigint' },
          { name: 'endpoint_id', type: 'varchar', length: '36' },
          { name: 'event_id', type: 'varchar', length: '40' },
          { name: 'attempted_at', type: instant },
          { name: 'status_code', type: 'integer', isNullable: true },
          { name: 'duration_ms', type: 'integer' },
          { name: 'error', type: 'text', isNullable: true },
        ],
      }),
    );
    await q.query('CREATE INDEX ix_webhook_attempt_endpoint ON webhook_attempt (endpoint_id, id)');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['webhook_attempt', 'webhook_delivery', 'webhook_event', 'webhook_endpoint'])
      await q.dropTable(table);
  }
}
