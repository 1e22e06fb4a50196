import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, type Dialect } from '../column-types';

/** message, outbox and quarantine tables (dialect-neutral through TypeORM's Table API). */
export class InitialSchema1764200000000 implements MigrationInterface {
  name = 'InitialSchema1764200000000';

  async up(q: QueryRunner): Promise<void> {
    const t = columnTypes(q.connection.options.type as Dialect);
    const id = {
      name: 'id',
      type: t.serial as string,
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment' as const,
    };
    await q.createTable(
      new Table({
        name: 'message',
        columns: [
          { name: 'message_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'direction', type: 'varchar', length: '3' },
          { name: 'type', type: 'varchar', length: '20' },
          { name: 'sender', type: 'varchar', length: '6' },
          { name: 'recipient', type: 'varchar', length: '6' },
          { name: 'zone', type: 'varchar', length: '40' },
          { name: 'correlation_id', type: 'varchar', length: '64' },
          { name: 'causation_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'created_at', type: t.instant as string },
          { name: 'body_schema', type: 'varchar', length: '64' },
          { name: 'body', type: 'text' },
          { name: 'status', type: 'varchar', length: '12' },
          { name: 'reason_code', type: 'varchar', length: '40', isNullable: true },
          { name: 'reason', type: 'text', isNullable: true },
          { name: 'sent_at', type: t.instant as string, isNullable: true },
          { name: 'receipt_at', type: t.instant as string, isNullable: true },
          { name: 'received_at', type: t.instant as string, isNullable: true },
          { name: 'signature', type: 'text', isNullable: true },
          { name: 'manifest_serial', type: 'integer', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'ix_message_direction_status', columnNames: ['direction', 'status'] }),
          new TableIndex({ name: 'ix_message_correlation', columnNames: ['correlation_id'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'outbox',
        columns: [
          id,
          { name: 'message_id', type: 'varchar', length: '36', isUnique: true },
          { name: 'topic', type: 'varchar', length: '200' },
          { name: 'record_key', type: 'varchar', length: '64' },
          { name: 'value', type: t.binary as string },
          { name: 'status', type: 'varchar', length: '8' },
          { name: 'attempts', type: 'integer' },
          { name: 'next_attempt_at', type: t.instant as string },
          { name: 'last_error', type: 'text', isNullable: true },
          { name: 'created_at', type: t.instant as string },
          { name: 'sent_at', type: t.instant as string, isNullable: true },
        ],
        indices: [new TableIndex({ name: 'ix_outbox_pending', columnNames: ['status', 'next_attempt_at', 'id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'quarantine',
        columns: [
          id,
          { name: 'reason_code', type: 'varchar', length: '40' },
          { name: 'reason', type: 'text' },
          { name: 'topic', type: 'varchar', length: '200' },
          { name: 'partition', type: 'integer' },
          { name: 'offset', type: 'varchar', length: '20' },
          { name: 'record_key', type: 'text', isNullable: true },
          { name: 'value', type: t.binary as string, isNullable: true },
          { name: 'headers', type: 'text' },
          { name: 'message_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'claimed_sender', type: 'varchar', length: '64', isNullable: true },
          { name: 'type', type: 'varchar', length: '20', isNullable: true },
          { name: 'received_at', type: t.instant as string },
          { name: 'dead_lettered', type: 'boolean' },
        ],
        indices: [new TableIndex({ name: 'ix_quarantine_reason', columnNames: ['reason_code'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('quarantine');
    await q.dropTable('outbox');
    await q.dropTable('message');
  }
}
