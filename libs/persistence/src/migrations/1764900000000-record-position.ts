import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * message.record_position: where an inbound message was read (`topic/partition/offset`), and an
 * index on the quarantine's positions. A record read again from the same position is the broker
 * redelivering it after a crash, not a replay, and is not recorded twice.
 */
export class RecordPosition1764900000000 implements MigrationInterface {
  name = 'RecordPosition1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      'message',
      new TableColumn({ name: 'record_position', type: 'varchar', length: '300', isNullable: true }),
    );
    await q.createIndex(
      'quarantine',
      new TableIndex({ name: 'ix_quarantine_position', columnNames: ['topic', 'partition', 'offset'] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('quarantine', 'ix_quarantine_position');
    await q.dropColumn('message', 'record_position');
  }
}
