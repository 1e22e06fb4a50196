import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, type Dialect } from '../column-types';

/**
 * audit_witness: signed audit checkpoints held for another party. A partner's checkpoint this
 * gateway witnessed (agency = the partner, witness = this agency), and this agency's own
 * checkpoints a partner countersigned (agency = this agency, witness = the partner). Each row
 * carries both signatures, so it proves the pair (seq, hash) to either agency's auditor.
 */
export class AuditWitness1765300000000 implements MigrationInterface {
  name = 'AuditWitness1765300000000';

  async up(q: QueryRunner): Promise<void> {
    const t = columnTypes(q.connection.options.type as Dialect);
    await q.createTable(
      new Table({
        name: 'audit_witness',
        columns: [
          { name: 'agency', type: 'varchar', length: '6', isPrimary: true },
          { name: 'seq', type: 'bigint', isPrimary: true },
          { name: 'witness', type: 'varchar', length: '6', isPrimary: true },
          { name: 'hash', type: 'varchar', length: '64' },
          { name: 'signed_at', type: t.instant as string },
          { name: 'checkpoint', type: 'text' },
          { name: 'witnessed_at', type: t.instant as string },
          { name: 'countersignature', type: 'text' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('audit_witness');
  }
}
