// The browser project: Chromium and a CJK font installed where missing, then the test broker.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const brokerSetup = require('../support/global-setup');

module.exports = async () => {
  execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'browser-deps.sh')], { stdio: 'inherit' });
  await brokerSetup();
};
