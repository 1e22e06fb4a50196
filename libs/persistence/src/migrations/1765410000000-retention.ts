import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, type Dialect } from '../column-types';

/**
 * Retention (issue #23): message.erased_at marks a message whose personal data was erased (its
 * body carries the marker, its record bytes are gone, an audit entry covers it); retention_tally
 * keeps what the retention worker removed per class, for `/metrics` in every process.
 */
export class Retention1765410000000 implements MigrationInterface {
  name = 'Retention1765410000000';

  async up(q: QueryRunner): Promise<void> {
    const t = columnTypes(q.connection.options.type as Dialect);
    // Plain ALTER TABLE: TypeORM's addColumn rebuilds a SQLite table and loses the indexes it did not make.
    await q.query(`ALTER TABLE message ADD COLUMN erased_at ${String(t.instant)} NULL`);
    await q.createTable(
      new Table({
        name: 'retention_tally',
        columns: [
          { name: 'class', type: 'varchar', length: '30', isPrimary: true },
          { name: 'total', type: 'bigint' },
          { name: 'last_run_at', type: t.instant as string },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('retention_tally');
    await q.query(`ALTER TABLE message DROP COLUMN erased_at`);
  }
}
