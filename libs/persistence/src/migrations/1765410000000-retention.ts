import { Table, TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
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
    await q.addColumn('message', new TableColumn({ name: 'erased_at', type: t.instant as string, isNullable: true }));
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
    await q.dropColumn('message', 'erased_at');
  }
}
