import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** case_file.flags: warnings for manual review (credit code checksum, unknown division code). */
export class CaseFlags1764500000000 implements MigrationInterface {
  name = 'CaseFlags1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('case_file', new TableColumn({ name: 'flags', type: 'text', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('case_file', 'flags');
  }
}
