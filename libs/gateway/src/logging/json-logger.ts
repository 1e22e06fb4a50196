import type { LoggerService, LogLevel } from '@nestjs/common';
import { RETHROWN_CONTEXTS } from './rethrown';
import { pino, type DestinationStream, type Level, type Logger as Pino } from 'pino';

const PINO_LEVEL: Record<LogLevel, Level> = {
  verbose: 'trace',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};

/**
 * A time as ISO 8601 with the process's own UTC offset and milliseconds
 * (2026-11-30T16:05:00.123+08:00; +00:00 under UTC, never `Z`), so that a line read alone says
 * both the local time and the instant. `offset`: minutes east of UTC.
 */
export function isoWithOffset(d: Date, offset = -d.getTimezoneOffset()): string {
  const abs = Math.abs(offset);
  const local = new Date(d.getTime() + offset * 60_000).toISOString().slice(0, 23);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}

/**
 * Nest LoggerService writing one JSON object per line to stdout (pino, synchronous so that the
 * line before an exit is not lost): `level`, `time`, `pid`, `context`, `message`, and `stack` for
 * errors that carry one.
 */
export class JsonLogger implements LoggerService {
  private levels = new Set<LogLevel>(['log', 'warn', 'error', 'fatal']);

  private readonly out: Pino;

  constructor(destination: DestinationStream = pino.destination({ dest: 1, sync: true })) {
    this.out = pino(
      {
        level: 'trace',
        base: { pid: process.pid },
        messageKey: 'message',
        timestamp: () => `,"time":"${isoWithOffset(new Date())}"`,
        formatters: { level: (label: string) => ({ level: label }) },
      },
      destination,
    );
  }

  setLogLevels(levels: LogLevel[]): void {
    this.levels = new Set(levels);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.write('log', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (!this.levels.has(level)) return;
    // Nest passes the context last, and before it the stack for errors.
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    // Nest's own log of a start-up error it rethrows: the caller writes that one line.
    if ((level === 'error' || level === 'fatal') && context && RETHROWN_CONTEXTS.has(context)) return;
    let stack = rest.find((r): r is string => typeof r === 'string' && /\n\s+at /.test(r));
    let text: string;
    if (message instanceof Error) {
      text = message.message;
      stack ??= message.stack;
    } else text = typeof message === 'string' ? message : JSON.stringify(message);
    this.out[PINO_LEVEL[level]]({ ...(context ? { context } : {}), ...(stack ? { stack } : {}) }, text);
  }
}
