// Stops the fault suite's own broker (unless XIETONG_KEEP_KAFKA=1); test schemas are dropped by the
// shared teardown.
const { stopBroker } = require('../support/local-broker');

module.exports = async () => {
  const port = process.env.XIETONG_FAULT_KAFKA_STARTED;
  if (port && process.env.XIETONG_KEEP_KAFKA !== '1') stopBroker(port);
  delete process.env.XIETONG_FAULT_KAFKA_STARTED;
  await require('../support/global-teardown')();
};
