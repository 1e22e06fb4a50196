#!/usr/bin/env node
// `npx xietong …`: runs the built CLI (dist/, made by `npm run build`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`xietong: ${main} is missing; run \`npm run build\` first\n`);
  process.exit(1);
}
require(main);
