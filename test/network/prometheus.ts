import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface FiringAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

/**
 * The real Prometheus of Debian's prometheus package, scraping the gateways in their namespaces
 * over the bridge as job "xietong" (with the gateways' static scrape credential), evaluating the
 * rules it is given; the suite reads alerts from its HTTP API.
 */
export class Prometheus {
  url = '';
  private child?: ChildProcess;

  constructor(private readonly dir: string) {}

  async start(targets: string[], rules: string, tokenFile: string): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const port = await freePort();
    writeFileSync(join(this.dir, 'alerts.yml'), rules);
    writeFileSync(
      join(this.dir, 'prometheus.yml'),
      stringify({
        // The gateways' lag query gives up after 4 s (LAG_TIMEOUT_MS): a 5 s scrape still ends.
        global: { scrape_interval: '5s', scrape_timeout: '5s', evaluation_interval: '2s' },
        rule_files: [join(this.dir, 'alerts.yml')],
        scrape_configs: [
          {
            job_name: 'xietong',
            authorization: { type: 'Bearer', credentials_file: tokenFile },
            static_configs: [{ targets }],
          },
        ],
      }),
    );
    const out = openSync(join(this.dir, 'prometheus.log'), 'a');
    this.child = spawn(
      'prometheus',
      [
        `--config.file=${join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1d',
      ],
      { stdio: ['ignore', out, out] },
    );
    closeSync(out);
    writeFileSync(join(this.dir, '..', 'prometheus.pid'), String(this.child.pid));
    this.url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    while (
      !(await fetch(`${this.url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline || this.child.exitCode !== null)
        throw new Error(`prometheus did not start: see ${join(this.dir, 'prometheus.log')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async alerts(): Promise<FiringAlert[]> {
    const res = (await (await fetch(`${this.url}/api/v1/alerts`)).json()) as { data: { alerts: FiringAlert[] } };
    return res.data.alerts;
  }

  /** Names of the alerts firing with the given labels. */
  async firing(labels: Record<string, string>): Promise<string[]> {
    return (await this.alerts())
      .filter((a) => a.state === 'firing' && Object.entries(labels).every(([k, v]) => a.labels[k] === v))
      .map((a) => a.labels.alertname)
      .sort();
  }

  /** The targets' scrape health, by instance. */
  async targets(): Promise<Record<string, string>> {
    const res = (await (await fetch(`${this.url}/api/v1/targets`)).json()) as {
      data: { activeTargets: { labels: { instance: string }; health: string }[] };
    };
    return Object.fromEntries(res.data.activeTargets.map((t) => [t.labels.instance, t.health]));
  }

  stop(): void {
    this.child?.kill('SIGKILL');
  }
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
