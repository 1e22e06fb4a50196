import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { GATEWAY_NODE_FLAGS, repoRoot } from '@xietong/config';
import { stopChild } from './stats';

export interface GatewayProcess {
  id: string;
  url: string;
  /** Bearer token for the load generator (submitter). */
  token?: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts one agency gateway as its own OS process (dist/apps/gateway) and waits for /health;
 * `logFile` keeps everything it prints.
 */
export async function spawnGateway(
  id: string,
  env: Record<string, string>,
  profileDir?: string,
  logFile?: string,
  /** A command the gateway runs under, e.g. `ip netns exec <ns>` (the network suite). */
  prefix: string[] = [],
): Promise<GatewayProcess> {
  const profile = profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=gateway-${id}.cpuprofile`]
    : [];
  const argv = [...GATEWAY_NODE_FLAGS, ...profile, join(repoRoot(), 'dist/apps/gateway/src/main.js')];
  const [command, ...args] = [...prefix, process.execPath, ...argv];
  const child = spawn(command, args, {
    // Port 0: the gateway picks a free port and logs its URL, so parallel runs never collide
    // (unless the caller names one: the network suite's gateways own their namespace's address).
    env: { ...process.env, XIETONG_HTTP_PORT: '0', ...env, XIETONG_AGENCY_ID: id },
    // The IPC channel ties the gateway to this process: it shuts down if we die (runGatewayProcess).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const collect = (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  if (logFile) {
    const file = createWriteStream(logFile, { flags: 'a' });
    child.stdout!.pipe(file, { end: false });
    child.stderr!.pipe(file, { end: false });
    child.once('close', () => file.end());
  }
  const deadline = Date.now() + 60_000;
  let url = '';
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway ${id} exited with ${child.exitCode}: ${output}`);
    url ||= /running \[[^\]]*\] at (http:\/\/[\d.]+:\d+)/.exec(output)?.[1] ?? '';
    const ok =
      url !== '' &&
      (await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      ));
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway ${id} not healthy after 60s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    id,
    url,
    child,
    stop: () => stopChild(child, 15_000),
  };
}

/** Request bodies for POST /api/v1/batch, serialized up front so the client's cost is not timed. */
export function batchBodies(items: object[], batchSize: number): { body: string; count: number }[] {
  const out: { body: string; count: number }[] = [];
  for (let i = 0; i < items.length; i += batchSize) {
    const part = items.slice(i, i + batchSize);
    out.push({ body: JSON.stringify({ items: part }), count: part.length });
  }
  return out;
}

/** Submits prepared batches, `concurrency` requests in flight. */
export async function submitBatches(
  gw: GatewayProcess,
  bodies: { body: string; count: number }[],
  concurrency: number,
  onProgress?: (done: number) => void,
): Promise<void> {
  const queue = [...bodies];
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let b = queue.shift(); b; b = queue.shift()) {
        await postBatch(gw, b.body);
        done += b.count;
        onProgress?.(done);
      }
    }),
  );
}

export async function postBatch(gw: GatewayProcess, itemsOrBody: object[] | string): Promise<void> {
  const body = typeof itemsOrBody === 'string' ? itemsOrBody : JSON.stringify({ items: itemsOrBody });
  const res = await fetch(`${gw.url}/api/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.token}` },
    body,
  });
  if (res.status !== 202) throw new Error(`batch refused: ${res.status} ${(await res.text()).slice(0, 500)}`);
}
