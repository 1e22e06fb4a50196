import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes, type Dialect } from '../column-types';

/** personal_data_access: every decryption of complainant personal data (who, what, when, from where). */
export class PersonalDataAccess1764400000000 implements MigrationInterface {
  name = 'PersonalDataAccess1764400000000';

  async up(q: QueryRunner): Promise<void> {
    const t = columnTypes(q.connection.options.type as Dialect);
    await q.createTable(
      new Table({
        name: 'personal_data_access',
        columns: [
          { name: 'id', type: t.serial as string, isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'message_id', type: 'varchar', length: '36' },
          { name: 'case_no', type: 'varchar', length: '64' },
          { name: 'subject', type: 'varchar', length: '200' },
          { name: 'roles', type: 'varchar', length: '100' },
          { name: 'ip', type: 'varchar', length: '64' },
          { name: 'accessed_at', type: t.instant as string },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('personal_data_access');
  }
}
