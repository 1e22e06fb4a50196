// The fault suite kills and resumes its broker and restarts its database, so it always runs a
// broker of its own (never a shared KAFKA_BROKERS cluster, never the integration tests' broker) on
// XIETONG_FAULT_KAFKA_PORT, and a throwaway PostgreSQL instance (scripts/postgres.mjs) on
// XIETONG_FAULT_PG_PORT or a free port: the machine's cluster is never stopped or restarted.
const { startBroker } = require('../support/local-broker');
const { startPostgres } = require('../support/local-postgres');

module.exports = async () => {
  const port = process.env.XIETONG_FAULT_KAFKA_PORT ?? '19292';
  process.env.XIETONG_FAULT_KAFKA_BROKERS = startBroker(port);
  process.env.XIETONG_FAULT_KAFKA_STARTED = port;
  const url = startPostgres(process.env.XIETONG_FAULT_PG_PORT);
  process.env.XIETONG_FAULT_DATABASE_URL = url;
  process.env.XIETONG_FAULT_PG_STARTED = new URL(url).port;
};
