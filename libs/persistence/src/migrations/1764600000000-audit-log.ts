import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, type Dialect } from '../column-types';

/**
 * audit_event: hash-chained log of every data-flow event; audit_head: the chain's last entry,
 * locked by each append so entries get gapless sequence numbers; audit_checkpoint: signed heads.
 */
export class AuditLog1764600000000 implements MigrationInterface {
  name = 'AuditLog1764600000000';

  async up(q: QueryRunner): Promise<void> {
    const t = columnTypes(q.connection.options.type as Dialect);
    await q.createTable(
      new Table({
        name: 'audit_event',
        columns: [
          { name: 'seq', type: 'bigint', isPrimary: true },
          { name: 'occurred_at', type: t.instant as string },
          { name: 'kind', type: 'varchar', length: '30' },
          { name: 'actor', type: 'varchar', length: '200' },
          { name: 'message_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'case_no', type: 'varchar', length: '64', isNullable: true },
          { name: 'partner', type: 'varchar', length: '6', isNullable: true },
          { name: 'detail', type: 'text' },
          { name: 'prev_hash', type: 'varchar', length: '64' },
          { name: 'hash', type: 'varchar', length: '64' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'audit_head',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'seq', type: 'bigint' },
          { name: 'hash', type: 'varchar', length: '64' },
        ],
      }),
    );
    await q.query(`INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}')`);
    await q.createTable(
      new Table({
        name: 'audit_checkpoint',
        columns: [
          { name: 'seq', type: 'bigint', isPrimary: true },
          { name: 'hash', type: 'varchar', length: '64' },
          { name: 'signed_at', type: t.instant as string },
          { name: 'jws', type: 'text' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('audit_checkpoint');
    await q.dropTable('audit_head');
    await q.dropTable('audit_event');
  }
}
