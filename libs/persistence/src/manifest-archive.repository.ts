import type { Database } from './database';
import { insertRows } from './sql';

/** Every signed manifest a gateway took into force, kept so old signatures can be checked later. */
export class ManifestArchiveRepository {
  constructor(private readonly db: Database) {}

  async keep(serial: number, jws: string, at = new Date()): Promise<void> {
    await this.db.transaction((em) =>
      insertRows(
        em,
        this.db.dialect,
        'manifest_archive',
        ['serial', 'jws', 'taken_at'],
        [[serial, jws, at]],
        undefined,
        'ON CONFLICT ("serial") DO NOTHING',
      ),
    );
  }

  async all(): Promise<{ serial: number; jws: string }[]> {
    const rows = (await this.db.manager.query('SELECT serial, jws FROM manifest_archive ORDER BY serial')) as {
      serial: number | string;
      jws: string;
    }[];
    return rows.map((r) => ({ serial: Number(r.serial), jws: r.jws }));
  }
}
