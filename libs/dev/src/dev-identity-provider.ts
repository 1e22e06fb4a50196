import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '@xietong/config';
import type { Role } from '@xietong/exchange';

export interface DevUser {
  username: string;
  password: string;
  name: string;
  roles: Role[];
}

export interface DevIdentityProvider {
  issuer: string;
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (to give a provider its address before its clients exist). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Runs scripts/dev-identity-provider.mjs (oidc-provider, an ES module) as a child process, for
 * the demo and the browser tests: one public client per console URL, these users.
 */
export async function startDevIdentityProvider(o: {
  port: number;
  consoles: { clientId: string; url: string }[];
  users: DevUser[];
  sessionSeconds?: number;
}): Promise<DevIdentityProvider> {
  const config = {
    port: o.port,
    sessionSeconds: o.sessionSeconds,
    users: o.users,
    clients: o.consoles.map((c) => ({
      client_id: c.clientId,
      redirect_uris: [`${c.url}/console/callback`],
      post_logout_redirect_uris: [`${c.url}/console/signed-out`],
    })),
  };
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot(), 'scripts', 'dev-identity-provider.mjs')], {
    env: { ...process.env, XIETONG_IDP_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const issuer = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`identity provider did not start in 30 s: ${stderr}`)), 30_000);
    lines.on('line', (line) => {
      const m = /^listening (\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`identity provider exited with ${code}: ${stderr}`));
    });
  });
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
