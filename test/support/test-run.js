// Each jest run names the PostgreSQL schemas it creates after itself (t_<run>_...) and drops only
// those at its end: a run never drops the schemas of another run going on at the same time on the
// same database (before, every teardown dropped every t_ schema, and broke the runs beside it).
const { randomBytes } = require('node:crypto');
const { Client } = require('pg');

/** Names this run (unless the environment already did), for databases.ts and the teardown. */
function nameRun() {
  if (!process.env.XIETONG_TEST_RUN) process.env.XIETONG_TEST_RUN = `r${randomBytes(4).toString('hex')}`;
}

/** Drops the schemas of this run. */
async function dropRunSchemas() {
  const run = process.env.XIETONG_TEST_RUN;
  if (!run) return;
  const client = new Client({
    connectionString: process.env.XIETONG_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  });
  try {
    await client.connect();
    const { rows } = await client.query(
      'SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE $1',
      [`t\\_${run}\\_%`],
    );
    for (const r of rows) await client.query(`DROP SCHEMA IF EXISTS "${r.schema_name}" CASCADE`);
  } catch (e) {
    console.warn(`could not drop test schemas: ${e.message}`);
  } finally {
    await client.end().catch(() => {});
  }
}

module.exports = { nameRun, dropRunSchemas };
