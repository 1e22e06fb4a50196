// Global teardown of the projects without a broker (medium, cluster): drops this run's schemas.
module.exports = async () => require('./test-run').dropRunSchemas();
