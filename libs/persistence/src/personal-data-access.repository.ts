import type { Database } from './database';
import { AuditRepository } from './audit.repository';
import type { RowPick } from './schema/table-spec';
import { PERSONAL_DATA_ACCESS } from './schema/tables';
import { params } from './sql';

const FIELDS = ['messageId', 'caseNo', 'subject', 'roles', 'ip', 'accessedAt'] as const;

export type PersonalDataAccess = RowPick<typeof PERSONAL_DATA_ACCESS.columns, (typeof FIELDS)[number]>;

/** Record of every decryption of personal data (conditional sharing: record every access). */
export class PersonalDataAccessRepository {
  constructor(private readonly db: Database) {}

  /** Records the access in its table and in the audit chain, in one transaction. */
  async record(a: PersonalDataAccess): Promise<void> {
    await this.db.transaction(async (em) => {
      await PERSONAL_DATA_ACCESS.insert(em, this.db.dialect, FIELDS, [a]);
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
    const [p] = params(this.db.dialect, 1);
    const rows: Record<string, unknown>[] = await this.db.manager.query(
      `SELECT ${PERSONAL_DATA_ACCESS.list(FIELDS)} FROM personal_data_access WHERE case_no = ${p} ORDER BY id`,
      [caseNo],
    );
    // The spec reads SQLite's UTC text (no zone) as UTC, not as local time.
    return rows.map((r) => PERSONAL_DATA_ACCESS.decode(r, FIELDS));
  }
}
