import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@xietong/config';

/**
 * Starts the project's local broker (scripts/kafka.mjs) unless one already runs, and returns its
 * address and whether this call started it (only then should the caller stop it).
 */
export function startLocalKafka(): { brokers: string; started: boolean } {
  const script = join(repoRoot(), 'scripts', 'kafka.mjs');
  const running = spawnSync('node', [script, 'status'], { stdio: 'ignore' }).status === 0;
  const out = execFileSync('node', [script, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const address = out.match(/(\d+\.\d+\.\d+\.\d+:\d+)\s*$/);
  if (!address) throw new Error(`kafka launcher printed no broker address: ${out}`);
  return { brokers: address[1], started: !running };
}

export function stopLocalKafka(): void {
  execFileSync('node', [join(repoRoot(), 'scripts', 'kafka.mjs'), 'stop'], { stdio: ['ignore', 'inherit', 'inherit'] });
}
