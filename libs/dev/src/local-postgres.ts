import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@xietong/config';

/** A throwaway PostgreSQL instance started by scripts/postgres.mjs (initdb into a temporary directory). */
export interface LocalPostgres {
  url: string;
  port: number;
  restart(): void;
  /** Stops the server and removes its data. */
  stop(): void;
}

/**
 * Starts a PostgreSQL instance of its own with the server's defaults (autovacuum on), never the
 * machine's cluster: for the benchmark and the fault suite. `port` undefined picks a free one;
 * `settings` are extra `name=value` server settings.
 */
export function startLocalPostgres(o: { port?: number; settings?: string[] } = {}): LocalPostgres {
  const script = join(repoRoot(), 'scripts', 'postgres.mjs');
  const run = (command: string, port?: number) =>
    execFileSync('node', [script, command], {
      env: {
        ...process.env,
        ...(port ? { PG_PORT: String(port) } : {}),
        ...(o.settings ? { PG_SETTINGS: o.settings.join(',') } : {}),
      },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  const url = /(postgres:\/\/\S+)\s*$/.exec(run('start', o.port))?.[1];
  if (!url) throw new Error('scripts/postgres.mjs printed no connection URL');
  const port = Number(new URL(url).port);
  return { url, port, restart: () => void run('restart', port), stop: () => void run('stop', port) };
}
