// Global setup of the projects without a broker (medium, cluster): names the run (test-run.js).
module.exports = async () => require('./test-run').nameRun();
