import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Value at quantile q (0..1) of already sorted numbers (nearest rank). */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function median(values: number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

export interface ProcessUsage {
  pid: number;
  cpu_s: number;
  peak_rss_mb: number;
}

/** CPU time (user + system) and peak resident set (VmHWM) of a live Linux process. */
export function processUsage(pid: number): ProcessUsage {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { pid, cpu_s: round(ticks / 100, 2), peak_rss_mb: round(Number(hwm?.[1] ?? 0) / 1024, 1) };
}

/** CPU seconds (user + system) of a process and all its children, e.g. a PostgreSQL server. */
export function processTreeCpuSeconds(root: number): number {
  const ticksOf = (stat: string) => {
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  };
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const s = ticksOf(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (Number(entry) === root || s.ppid === root) ticks += s.ticks;
    } catch {
      // The process ended while we looked.
    }
  }
  return ticks / 100;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Median of every numeric figure across runs (machine and parameters are the same in all). */
export function medianOf<T>(reports: T[]): T {
  const merge = (values: unknown[]): unknown => {
    const first = values[0];
    if (typeof first === 'number') return median(values as number[]);
    if (first && typeof first === 'object' && !Array.isArray(first)) {
      return Object.fromEntries(
        Object.keys(first).map((k) => [k, merge(values.map((v) => (v as Record<string, unknown>)[k]))]),
      );
    }
    return first;
  };
  return merge(reports) as T;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
