// Stops the fault suite's own broker (unless XIETONG_KEEP_KAFKA=1) and its throwaway PostgreSQL
// instance (removed with its data); test schemas elsewhere are dropped by the shared teardown.
const { stopBroker } = require('../support/local-broker');
const { stopPostgres } = require('../support/local-postgres');

module.exports = async () => {
  const port = process.env.XIETONG_FAULT_KAFKA_STARTED;
  if (port && process.env.XIETONG_KEEP_KAFKA !== '1') stopBroker(port);
  delete process.env.XIETONG_FAULT_KAFKA_STARTED;
  const pgPort = process.env.XIETONG_FAULT_PG_STARTED;
  if (pgPort) stopPostgres(pgPort);
  delete process.env.XIETONG_FAULT_PG_STARTED;
  await require('../support/global-teardown')();
};
