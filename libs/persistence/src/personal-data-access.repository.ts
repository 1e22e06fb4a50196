import type { Database } from './database';
import { AuditRepository } from './audit.repository';
import { insertRows, storedInstant } from './sql';

export interface PersonalDataAccess {
  messageId: string;
  caseNo: string;
  subject: string;
  roles: string;
  ip: string;
  accessedAt: Date;
}

/** Record of every decryption of personal data (conditional sharing: record every access). */
export class PersonalDataAccessRepository {
  constructor(private readonly db: Database) {}

  /** Records the access in its table and in the audit chain, in one transaction. */
  async record(a: PersonalDataAccess): Promise<void> {
    await this.db.transaction(async (em) => {
      await insertRows(
        em,
        this.db.dialect,
        'personal_data_access',
        ['message_id', 'case_no', 'subject', 'roles', 'ip', 'accessed_at'],
        [[a.messageId, a.caseNo, a.subject, a.roles, a.ip, a.accessedAt]],
      );
      await new AuditRepository(this.db).append(em, [
        {
          kind: 'PERSONAL_DATA_DECRYPTED',
          actor: a.subject,
          messageId: a.messageId,
          caseNo: a.caseNo,
          detail: { roles: a.roles, ip: a.ip },
          occurredAt: a.accessedAt,
        },
      ]);
    });
  }

  async forCase(caseNo: string): Promise<PersonalDataAccess[]> {
    const rows: Record<string, unknown>[] = await this.db.manager.query(
      `SELECT message_id, case_no, subject, roles, ip, accessed_at FROM personal_data_access WHERE case_no = ${this.db.dialect === 'postgres' ? '$1' : '?'} ORDER BY id`,
      [caseNo],
    );
    return rows.map((r) => ({
      messageId: String(r.message_id),
      caseNo: String(r.case_no),
      subject: String(r.subject),
      roles: String(r.roles),
      ip: String(r.ip),
      // SQLite keeps TypeORM's UTC text without a zone: read as UTC, not as local time.
      accessedAt: storedInstant(r.accessed_at),
    }));
  }
}
