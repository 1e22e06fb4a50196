import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@xietong/config';

/** The demo's time-stamping authority: tools/tsa/server.mjs (openssl ts -reply) on a free port. */
export interface DemoTsa {
  url: string;
  certFile: string;
  stop(): Promise<void>;
}

export function startDemoTsa(dir: string): Promise<DemoTsa> {
  const child = spawn(process.execPath, [join(repoRoot(), 'tools', 'tsa', 'server.mjs'), '--dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise<DemoTsa>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^tsa listening on (\S+) cert (\S+)\n/.exec(out);
      if (m) resolve({ url: m[1], certFile: m[2], stop });
    });
    child.once('exit', (code) => reject(new Error(`the demo TSA exited (${code}) before listening`)));
  });
}
