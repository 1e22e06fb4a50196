import type { Database } from './database';
import { MANIFEST_ARCHIVE } from './schema/tables';

/** Every signed manifest a gateway took into force, kept so old signatures can be checked later. */
export class ManifestArchiveRepository {
  constructor(private readonly db: Database) {}

  async keep(serial: number, jws: string, at = new Date()): Promise<void> {
    await this.db.transaction((em) =>
      MANIFEST_ARCHIVE.insert(em, this.db.dialect, ['serial', 'jws', 'takenAt'], [{ serial, jws, takenAt: at }], {
        onConflict: 'ON CONFLICT ("serial") DO NOTHING',
      }),
    );
  }

  /** The highest serial kept, with its text: a gateway never goes back below it (ManifestStore). */
  async highest(): Promise<{ serial: number; jws: string } | undefined> {
    const rows = (await this.db.manager.query(
      'SELECT serial, jws FROM manifest_archive ORDER BY serial DESC LIMIT 1',
    )) as Record<string, unknown>[];
    return rows.length > 0 ? MANIFEST_ARCHIVE.decode(rows[0], ['serial', 'jws']) : undefined;
  }

  async all(): Promise<{ serial: number; jws: string }[]> {
    const rows = (await this.db.manager.query('SELECT serial, jws FROM manifest_archive ORDER BY serial')) as Record<
      string,
      unknown
    >[];
    return rows.map((r) => MANIFEST_ARCHIVE.decode(r, ['serial', 'jws']));
  }
}
