import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root (the folder holding schemas/), found from this file upwards. */
export function repoRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'schemas', 'envelope.v1.avsc'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the Xietong repository root above ${from}`);
    dir = parent;
  }
  return dir;
}
