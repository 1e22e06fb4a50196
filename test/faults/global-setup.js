// The fault suite kills and resumes its broker, so it always runs one of its own (never a shared
// KAFKA_BROKERS cluster, never the integration tests' broker) on XIETONG_FAULT_KAFKA_PORT.
const { startBroker } = require('../support/local-broker');

module.exports = async () => {
  const port = process.env.XIETONG_FAULT_KAFKA_PORT ?? '19292';
  process.env.XIETONG_FAULT_KAFKA_BROKERS = startBroker(port);
  process.env.XIETONG_FAULT_KAFKA_STARTED = port;
};
