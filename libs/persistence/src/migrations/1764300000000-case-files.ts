import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, type Dialect } from '../column-types';

/** case_file: the state and running clock of each transferred lead and complaint. */
export class CaseFiles1764300000000 implements MigrationInterface {
  name = 'CaseFiles1764300000000';

  async up(q: QueryRunner): Promise<void> {
    const t = columnTypes(q.connection.options.type as Dialect);
    await q.createTable(
      new Table({
        name: 'case_file',
        columns: [
          { name: 'kind', type: 'varchar', length: '10', isPrimary: true },
          { name: 'case_no', type: 'varchar', length: '64', isPrimary: true },
          { name: 'partner', type: 'varchar', length: '6', isPrimary: true },
          { name: 'role', type: 'varchar', length: '10' },
          { name: 'state', type: 'varchar', length: '20' },
          { name: 'risk_tier', type: 'varchar', length: '10', isNullable: true },
          { name: 'subject', type: 'text', isNullable: true },
          { name: 'received_on', type: 'varchar', length: '10', isNullable: true },
          { name: 'clock', type: 'varchar', length: '40', isNullable: true },
          { name: 'clock_start', type: 'varchar', length: '10', isNullable: true },
          { name: 'due_on', type: 'varchar', length: '10', isNullable: true },
          { name: 'due_provisional', type: 'boolean' },
          { name: 'reminders', type: 'integer' },
          { name: 'last_reminder_at', type: t.instant as string, isNullable: true },
          { name: 'created_at', type: t.instant as string },
          { name: 'updated_at', type: t.instant as string },
        ],
        indices: [
          new TableIndex({ name: 'ix_case_due', columnNames: ['role', 'due_on'] }),
          new TableIndex({ name: 'ix_case_state', columnNames: ['kind', 'state'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('case_file');
  }
}
