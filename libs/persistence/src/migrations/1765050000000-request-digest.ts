import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * message.request_digest: SHA-256 of the county system's request, so that a resubmission with
 * the same messageId is told apart from a different message reusing it (409).
 */
export class RequestDigest1765050000000 implements MigrationInterface {
  name = 'RequestDigest1765050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      'message',
      new TableColumn({ name: 'request_digest', type: 'varchar', length: '64', isNullable: true }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('message', 'request_digest');
  }
}
