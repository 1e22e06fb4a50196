import type { Database } from './database';
import { insertRows } from './sql';

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

  async record(a: PersonalDataAccess): Promise<void> {
    await this.db.transaction((em) =>
      insertRows(em, this.db.dialect, 'personal_data_access', ['message_id', 'case_no', 'subject', 'roles', 'ip', 'accessed_at'], [[a.messageId, a.caseNo, a.subject, a.roles, a.ip, a.accessedAt]]),
    );
  }

  async forCase(caseNo: string): Promise<PersonalDataAccess[]> {
    const rows: Record<string, unknown>[] = await this.db.manager.query(
      `SELECT message_id, case_no, subject, roles, ip, accessed_at FROM personal_data_access WHERE case_no = ${this.db.dialect === 'postgres' ? '$1' : '?'} ORDER BY id`,
      [caseNo],
    );
    return rows.map((r) => ({ messageId: String(r.message_id), caseNo: String(r.case_no), subject: String(r.subject), roles: String(r.roles), ip: String(r.ip), accessedAt: new Date(String(r.accessed_at)) }));
  }
}
