// Stops the broker global-setup started (unless XIETONG_KEEP_KAFKA=1) and drops test schemas.
const { Client } = require('pg');
const { stopBroker } = require('./local-broker');

module.exports = async () => {
  const port = process.env.XIETONG_TEST_STARTED_KAFKA;
  if (port && process.env.XIETONG_KEEP_KAFKA !== '1') {
    stopBroker(port);
    delete process.env.XIETONG_TEST_STARTED_KAFKA;
  }
  const client = new Client({
    connectionString: process.env.XIETONG_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  });
  try {
    await client.connect();
    const { rows } = await client.query(
      "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 't\\_%'",
    );
    for (const r of rows) await client.query(`DROP SCHEMA IF EXISTS "${r.schema_name}" CASCADE`);
  } catch (e) {
    console.warn(`could not drop test schemas: ${e.message}`);
  } finally {
    await client.end().catch(() => {});
  }
};
