import { recordingDatabase } from '../../../test/support/recording-database';
import { AuditRepository, entryHash, GENESIS_HASH } from './audit.repository';
import { PersonalDataAccessRepository } from './personal-data-access.repository';

describe('AuditRepository', () => {
  it('does not open a transaction or touch the head when nothing waits', async () => {
    const { db, queries } = recordingDatabase('postgres', () => []);
    const transaction = jest.spyOn(db, 'transaction');
    expect(await new AuditRepository(db).chainPending()).toBe(0);
    expect(queries.map((q) => q.sql)).toEqual(['SELECT id FROM audit_pending ORDER BY tx, id LIMIT 1']);
    expect(transaction).not.toHaveBeenCalled();
  });

  it('chains pending events after the head, deletes them by id and moves the head', async () => {
    const pending = [
      {
        id: 11,
        occurred_at: '2026-11-30 01:00:00.000',
        kind: 'MESSAGE_SUBMITTED',
        actor: 'county-1',
        message_id: 'm-1',
        case_no: null,
        partner: null,
        detail: '{}',
      },
      {
        id: 12,
        occurred_at: '2026-11-30 01:00:01.000',
        kind: 'RECEIPT',
        actor: 'relay',
        message_id: 'm-1',
        case_no: 'JD-1',
        partner: '330100',
        detail: '{"status":"accepted"}',
      },
    ];
    const { db, queries } = recordingDatabase('better-sqlite3', (sql) => {
      if (sql.startsWith('SELECT id FROM audit_pending')) return [{ id: 11 }];
      if (sql.startsWith('SELECT seq, hash FROM audit_head')) return [{ seq: 5, hash: GENESIS_HASH }];
      if (sql.startsWith('SELECT id, occurred_at')) return pending;
      return [];
    });
    expect(await new AuditRepository(db).chainPending()).toBe(2);

    const insert = queries.find((q) => q.sql.startsWith('INSERT INTO audit_event'))!;
    const [seq1, at1, , , , , , , prev1, hash1, seq2, , , , , , , , prev2, hash2] = insert.args;
    expect([seq1, seq2]).toEqual([6, 7]);
    expect(at1).toBe('2026-11-30 01:00:00.000');
    expect(prev1).toBe(GENESIS_HASH);
    expect(prev2).toBe(hash1);
    expect(hash1).toBe(
      entryHash({
        seq: 6,
        occurredAt: '2026-11-30T01:00:00.000Z',
        kind: 'MESSAGE_SUBMITTED',
        actor: 'county-1',
        messageId: 'm-1',
        caseNo: null,
        partner: null,
        detail: '{}',
        prevHash: GENESIS_HASH,
      }),
    );
    expect(queries.find((q) => q.sql.startsWith('DELETE FROM audit_pending'))!.args).toEqual([11, 12]);
    expect(queries.at(-1)).toEqual({ sql: 'UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1', args: [7, hash2] });
  });

  it('reads checkpoints with their signing time as an ISO instant on both dialects', async () => {
    const row = { seq: '8', hash: 'h', signed_at: '2026-11-30 01:00:00.000', jws: 'j' };
    const { db } = recordingDatabase('better-sqlite3', () => [row]);
    expect(await new AuditRepository(db).checkpoints()).toEqual([
      { seq: 8, hash: 'h', signedAt: '2026-11-30T01:00:00.000Z', jws: 'j' },
    ]);
  });
});

describe('PersonalDataAccessRepository', () => {
  it('records the access and its audit event in one transaction', async () => {
    const { db, queries } = recordingDatabase('postgres');
    const accessedAt = new Date('2026-11-30T01:02:03.456Z');
    await new PersonalDataAccessRepository(db).record({
      messageId: 'm-1',
      caseNo: 'TS-1',
      subject: 'handler-1',
      roles: 'handler',
      ip: '10.0.0.1',
      accessedAt,
    });
    expect(queries.map((q) => q.sql.slice(0, 32))).toEqual([
      'INSERT INTO personal_data_access',
      'INSERT INTO audit_pending ("occu',
    ]);
    expect(queries[0].args).toEqual(['m-1', 'TS-1', 'handler-1', 'handler', '10.0.0.1', accessedAt]);
    expect(queries[1].args).toEqual([
      accessedAt,
      'PERSONAL_DATA_DECRYPTED',
      'handler-1',
      'm-1',
      'TS-1',
      null,
      '{"roles":"handler","ip":"10.0.0.1"}',
    ]);
  });
});
