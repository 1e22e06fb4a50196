import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestAgreement } from './manifest';

export interface ZoneData {
  version: string;
  divisions: Record<string, string>;
  zones: ManifestAgreement[];
}

/** The versioned reference data of zones and division names shipped in libs/federation/data. */
export function loadZoneData(file = join(__dirname, '../data/zones.json')): ZoneData {
  return JSON.parse(readFileSync(file, 'utf8')) as ZoneData;
}
