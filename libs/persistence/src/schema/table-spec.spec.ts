import { recordingDatabase } from '../../../../test/support/recording-database';
import { col, declaredType } from './column';
import { ident, table } from './table-spec';
import { AUDIT_PENDING, MESSAGE, OUTBOX, QUARANTINE } from './tables';

describe('table specs', () => {
  it('name each column by the snake_case form of its field', () => {
    expect(MESSAGE.names(['messageId', 'correlationId', 'manifestSerial'])).toEqual([
      'message_id',
      'correlation_id',
      'manifest_serial',
    ]);
    expect(OUTBOX.primaryKey()).toEqual(['id']);
  });

  it('quote the column names that are SQL keywords in select lists', () => {
    expect(QUARANTINE.list(['topic', 'partition', 'offset'], 'q')).toBe('q.topic, q."partition", q."offset"');
    expect(ident('Mixed')).toBe('"Mixed"');
  });

  it('leave a column of one dialect out of the other', () => {
    expect(AUDIT_PENDING.fields('postgres')).toContain('tx');
    expect(AUDIT_PENDING.fields('better-sqlite3')).not.toContain('tx');
  });

  it('declare each kind with the type each database reports for it', () => {
    const d = (c: { def: Parameters<typeof declaredType>[0] }) =>
      [declaredType(c.def, 'postgres'), declaredType(c.def, 'better-sqlite3')] as const;
    expect(d(col.varchar(36))).toEqual(['character varying(36)', 'varchar(36)']);
    expect(d(col.instant())).toEqual(['timestamp with time zone', 'datetime']);
    expect(d(col.binary())).toEqual(['bytea', 'blob']);
    expect(d(col.serial())).toEqual(['bigint', 'integer']);
    expect(d(col.boolean())).toEqual(['boolean', 'boolean']);
  });

  describe('decode a raw row the same way on both dialects', () => {
    const t = table('t', {
      id: col.serial(),
      at: col.instant().nullable(),
      flag: col.boolean(),
      n: col.bigint(),
      bytes: col.binary().nullable(),
    });
    const fields = ['id', 'at', 'flag', 'n', 'bytes'] as const;

    it("reads SQLite's zoneless UTC text as UTC, 0/1 as booleans, and ids as text", () => {
      expect(t.decode({ id: 7, at: '2026-11-30 01:02:03.456', flag: 1, n: '12', bytes: null }, fields)).toEqual({
        id: '7',
        at: new Date('2026-11-30T01:02:03.456Z'),
        flag: true,
        n: 12,
        bytes: null,
      });
    });

    it('keeps what PostgreSQL returns typed already', () => {
      const at = new Date('2026-11-30T01:02:03.456Z');
      const bytes = Buffer.from([1, 2]);
      expect(t.decode({ id: '9007199254740993', at, flag: false, n: '3', bytes }, fields)).toEqual({
        id: '9007199254740993',
        at,
        flag: false,
        n: 3,
        bytes,
      });
    });

    it('reads an absent nullable value as null', () => {
      expect(t.decode({ id: 1, flag: 0, n: 0 }, fields)).toMatchObject({ at: null, bytes: null, flag: false });
    });
  });

  it('generate TypeORM entity schemas: lazy columns unselected, serial ids generated', () => {
    const message = MESSAGE.entity('postgres').options.columns as Record<string, Record<string, unknown>>;
    expect(message.messageId).toMatchObject({ name: 'message_id', type: 'varchar', length: 36, primary: true });
    expect(message.record).toMatchObject({ type: 'bytea', nullable: true, select: false });
    expect(message.createdAt).toMatchObject({ name: 'created_at', type: 'timestamptz' });
    expect(message.createdAt.nullable).toBeUndefined();
    const outbox = OUTBOX.entity('better-sqlite3').options.columns as Record<string, Record<string, unknown>>;
    expect(outbox.id).toMatchObject({ type: 'integer', primary: true, generated: 'increment' });
  });

  it('insert the fields named, in order, absent values as NULL, in the form each dialect stores', async () => {
    const { em, queries } = recordingDatabase('better-sqlite3');
    const at = new Date('2026-11-30T01:02:03.456Z');
    await QUARANTINE.insert(
      em,
      'better-sqlite3',
      ['reasonCode', 'receivedAt', 'deadLettered', 'replayedBy'],
      [{ reasonCode: 'X', receivedAt: at, deadLettered: true }],
    );
    expect(queries).toEqual([
      {
        sql:
          'INSERT INTO quarantine ("reason_code", "received_at", "dead_lettered", "replayed_by") ' +
          'VALUES (?, ?, ?, ?)',
        args: ['X', '2026-11-30 01:02:03.456', 1, null],
      },
    ]);
  });
});
