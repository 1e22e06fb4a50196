import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, type Dialect } from '../column-types';

/**
 * audit_pending: audit events written inside business transactions without taking the chain
 * lock; a chainer moves them into audit_event in a fixed order once their transactions are over.
 * On PostgreSQL each row carries its writing transaction's id (xid8) for that ordering.
 */
export class AuditPending1764800000000 implements MigrationInterface {
  name = 'AuditPending1764800000000';

  async up(q: QueryRunner): Promise<void> {
    const t = columnTypes(q.connection.options.type as Dialect);
    const postgres = q.connection.options.type === 'postgres';
    await q.createTable(
      new Table({
        name: 'audit_pending',
        columns: [
          { name: 'id', type: t.serial as string, isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          ...(postgres ? [{ name: 'tx', type: 'xid8', default: 'pg_current_xact_id()' }] : []),
          { name: 'occurred_at', type: t.instant as string },
          { name: 'kind', type: 'varchar', length: '30' },
          { name: 'actor', type: 'varchar', length: '200' },
          { name: 'message_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'case_no', type: 'varchar', length: '64', isNullable: true },
          { name: 'partner', type: 'varchar', length: '6', isNullable: true },
          { name: 'detail', type: 'text' },
        ],
        indices: postgres ? [new TableIndex({ name: 'ix_audit_pending_tx', columnNames: ['tx', 'id'] })] : [],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('audit_pending');
  }
}
