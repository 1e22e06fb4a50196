// Stops the broker global-setup started (unless XIETONG_KEEP_KAFKA=1) and drops the schemas this run created (test-run.js).
const { stopBroker } = require('./local-broker');
const { dropRunSchemas } = require('./test-run');

module.exports = async () => {
  const port = process.env.XIETONG_TEST_STARTED_KAFKA;
  if (port && process.env.XIETONG_KEEP_KAFKA !== '1') {
    stopBroker(port);
    delete process.env.XIETONG_TEST_STARTED_KAFKA;
  }
  await dropRunSchemas();
};
