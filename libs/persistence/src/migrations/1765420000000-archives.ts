import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, type Dialect } from '../column-types';

/**
 * archive: the archives `archive export` wrote (period, audit anchor, digest), so the next one links
 * to the last, pruning knows what is archived and `audit verify` can start from the anchor.
 * checkpoint_timestamp: RFC 3161 tokens over signed audit checkpoints.
 */
export class Archives1765420000000 implements MigrationInterface {
  name = 'Archives1765420000000';

  async up(q: QueryRunner): Promise<void> {
    const t = columnTypes(q.connection.options.type as Dialect);
    await q.createTable(
      new Table({
        name: 'archive',
        columns: [
          { name: 'seq', type: 'integer', isPrimary: true },
          { name: 'from_at', type: t.instant as string },
          { name: 'until_at', type: t.instant as string },
          { name: 'audit_seq', type: 'bigint' },
          { name: 'audit_hash', type: 'varchar', length: '64' },
          { name: 'digest', type: 'varchar', length: '64' },
          { name: 'timestamped_at', type: t.instant as string, isNullable: true },
          { name: 'created_at', type: t.instant as string },
          { name: 'pruned_at', type: t.instant as string, isNullable: true },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'checkpoint_timestamp',
        columns: [
          { name: 'seq', type: 'bigint', isPrimary: true },
          { name: 'token', type: t.binary as string },
          { name: 'gen_time', type: t.instant as string },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('checkpoint_timestamp');
    await q.dropTable('archive');
  }
}
