import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@xietong/config';

/** A running test TSA (tools/tsa/server.mjs): RFC 3161 over HTTP, tokens made by `openssl ts -reply`. */
export interface TestTsa {
  url: string;
  /** The TSA certificate (PEM) its tokens are signed with. */
  certFile: string;
  dir: string;
  close(): Promise<void>;
}

/** Starts the TSA on a free port with a fresh key and certificate (or those already in `dir`). */
export async function startTsa(dir = mkdtempSync(join(tmpdir(), 'xt-tsa-'))): Promise<TestTsa> {
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot(), 'tools/tsa/server.mjs'), '--dir', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`the TSA exited (${code}) before listening`)));
  });
  const [, url, certFile] = /^tsa listening on (\S+) cert (\S+)$/.exec(line) ?? [];
  if (!url) throw new Error(`unexpected TSA output: ${line}`);
  return {
    url,
    certFile,
    dir,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
