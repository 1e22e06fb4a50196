import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, type Dialect } from '../column-types';

/**
 * quarantine.replayed_at / replayed_by: an administrator put the record back into the inbox once
 * what refused it was fixed (a key or agreement the manifest lacked): when, and who.
 */
export class QuarantineReplay1765000000000 implements MigrationInterface {
  name = 'QuarantineReplay1765000000000';

  async up(q: QueryRunner): Promise<void> {
    const t = columnTypes(q.connection.options.type as Dialect);
    await q.addColumn(
      'quarantine',
      new TableColumn({ name: 'replayed_at', type: t.instant as string, isNullable: true }),
    );
    await q.addColumn(
      'quarantine',
      new TableColumn({ name: 'replayed_by', type: 'varchar', length: '200', isNullable: true }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('quarantine', 'replayed_by');
    await q.dropColumn('quarantine', 'replayed_at');
  }
}
