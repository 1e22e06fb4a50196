import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Queue tables whose cost does not grow with history (docs/operations.md, issue 17):
 * - the outbox holds only work still to do: a published row is deleted, and the published bytes
 *   the audit re-verifies live with the message (message.record, both directions);
 * - the relay's claim is an ordered scan of a partial index over pending rows only;
 * - no index on message status or on case kind alone, so receipt, status and case updates go by
 *   primary key whatever a planner thinks of a bloated table (and status changes can be HOT);
 * - on PostgreSQL, per-table autovacuum by row count instead of a fraction of the table.
 */
export class QueueTables1765200000000 implements MigrationInterface {
  name = 'QueueTables1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE message SET record = (SELECT o.value FROM outbox o WHERE o.message_id = message.message_id)
       WHERE direction = 'out' AND record IS NULL AND EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = message.message_id)`,
    );
    await q.query(`DELETE FROM outbox WHERE status = 'sent'`);
    await q.query('DROP INDEX ix_outbox_pending');
    await q.query(`CREATE INDEX ix_outbox_claim ON outbox (id) WHERE status = 'pending'`);
    await q.query('DROP INDEX ix_message_direction_status');
    await q.query('DROP INDEX ix_case_state');
    await q.query('CREATE INDEX ix_case_state ON case_file (state, kind)');
    if (q.connection.options.type !== 'postgres') return;
    for (const [table, settings] of Object.entries(AUTOVACUUM)) await q.query(`ALTER TABLE ${table} SET (${settings})`);
    // Room in each page for the status changes a message goes through, so they stay heap-only (HOT).
    await q.query('ALTER TABLE message SET (fillfactor = 85)');
  }

  async down(q: QueryRunner): Promise<void> {
    if (q.connection.options.type === 'postgres') {
      await q.query('ALTER TABLE message RESET (fillfactor)');
      for (const [table, settings] of Object.entries(AUTOVACUUM))
        await q.query(`ALTER TABLE ${table} RESET (${settings.replace(/ = \d+(\.\d+)?/g, '')})`);
    }
    await q.query('DROP INDEX ix_case_state');
    await q.query('CREATE INDEX ix_case_state ON case_file (kind, state)');
    await q.query('CREATE INDEX ix_message_direction_status ON message (direction, status)');
    await q.query('DROP INDEX ix_outbox_claim');
    await q.query('CREATE INDEX ix_outbox_pending ON outbox (status, next_attempt_at, id)');
  }
}

/**
 * Vacuum after a fixed number of dead rows, not a fraction of the table: queue tables churn their
 * whole content, and the big tables would otherwise carry 20 % dead rows before a vacuum.
 */
export const AUTOVACUUM: Record<string, string> = {
  outbox:
    'autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000, autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 2000',
  audit_pending:
    'autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000, autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 2000',
  audit_head: 'autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000',
  message:
    'autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000, autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 50000',
  case_file:
    'autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000, autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 50000',
};
