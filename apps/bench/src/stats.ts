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

/**
 * CPU ticks (user + system, 1/100 s) per process of a process and its children, e.g. a PostgreSQL
 * server: the postmaster and every backend, autovacuum included.
 */
export function processTreeTicks(root: number): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(entry) === root || Number(f[1]) === root) ticks.set(Number(entry), Number(f[11]) + Number(f[12]));
    } catch {
      // The process ended while we looked.
    }
  }
  return ticks;
}

/**
 * CPU seconds a process tree used between two samples. Compared per process: a backend that ended
 * in between takes its ticks out of a plain sum (which then went negative), and one started in
 * between counts from zero (a smaller count under a reused pid is a new process too).
 */
export function cpuSecondsBetween(before: Map<number, number>, after: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, t] of after) {
    const b = before.get(pid) ?? 0;
    ticks += t >= b ? t - b : t;
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
