import { Table, TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, type Dialect } from '../column-types';

/**
 * message.record: the exact record value of an inbound message, so its signature can be checked
 * again later; manifest_archive: every signed manifest the gateway took into force, by serial.
 */
export class RecordBytesAndManifests1764700000000 implements MigrationInterface {
  name = 'RecordBytesAndManifests1764700000000';

  async up(q: QueryRunner): Promise<void> {
    const t = columnTypes(q.connection.options.type as Dialect);
    await q.addColumn('message', new TableColumn({ name: 'record', type: t.binary as string, isNullable: true }));
    await q.createTable(
      new Table({
        name: 'manifest_archive',
        columns: [
          { name: 'serial', type: 'integer', isPrimary: true },
          { name: 'jws', type: 'text' },
          { name: 'taken_at', type: t.instant as string },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('manifest_archive');
    await q.dropColumn('message', 'record');
  }
}
