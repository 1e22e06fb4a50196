import { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { isoWithOffset, JsonLogger } from './json-logger';

function capture(): { logger: JsonLogger; lines: () => Record<string, unknown>[] } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = new JsonLogger(sink);
  return {
    logger,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const ISO_WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/;

describe('isoWithOffset', () => {
  const instant = new Date(Date.UTC(2026, 10, 30, 8, 5, 0, 123));

  it('writes local time with the numeric offset of the zone', () => {
    expect(isoWithOffset(instant, 480)).toBe('2026-11-30T16:05:00.123+08:00');
    expect(isoWithOffset(instant, -210)).toBe('2026-11-30T04:35:00.123-03:30');
    expect(new Date(isoWithOffset(instant, -210)).getTime()).toBe(instant.getTime());
  });

  it('writes +00:00 rather than Z under UTC', () => {
    expect(isoWithOffset(instant, 0)).toBe('2026-11-30T08:05:00.123+00:00');
  });

  it("uses the process's own offset by default", () => {
    expect(isoWithOffset(instant)).toBe(isoWithOffset(instant, -instant.getTimezoneOffset()));
  });
});

describe('JsonLogger', () => {
  it('writes one JSON object per line with level, ISO time with offset, context and message', () => {
    const { logger, lines } = capture();
    const before = Date.now();
    logger.log('agency 341825 running', 'Xietong');
    logger.warn('slow', 'Relay 341825');
    logger.error('publish failed', 'Error: x\n    at f (a.ts:1:1)', 'Relay 341825');
    const [log, warn, error] = lines();
    expect(log).toMatchObject({
      level: 'info',
      context: 'Xietong',
      message: 'agency 341825 running',
      pid: process.pid,
    });
    expect(warn).toMatchObject({ level: 'warn', context: 'Relay 341825', message: 'slow' });
    expect(error).toMatchObject({ level: 'error', context: 'Relay 341825', message: 'publish failed' });
    expect(error.stack).toContain('at f (a.ts:1:1)');
    for (const l of [log, warn, error]) {
      expect(l.time).toMatch(ISO_WITH_OFFSET);
      expect(Math.abs(Date.parse(l.time as string) - before)).toBeLessThan(5_000);
    }
  });

  it('serves as the logger behind Nest Logger instances and keeps to the levels set', () => {
    const { logger, lines } = capture();
    logger.setLogLevels(['warn', 'error']);
    Logger.overrideLogger(logger);
    try {
      new Logger('Inbox 330100').log('not written');
      new Logger('Inbox 330100').warn('written');
    } finally {
      Logger.overrideLogger(true);
    }
    expect(lines()).toEqual([expect.objectContaining({ level: 'warn', context: 'Inbox 330100', message: 'written' })]);
  });

  it('leaves out Nest’s own report of a start-up error it rethrows (the process writes that one line)', () => {
    const { logger, lines } = capture();
    logger.error(new Error('CONFIG_INVALID: x'), 'ExceptionHandler');
    logger.error('Error: listen EADDRINUSE: address already in use 127.0.0.1:3000', 'NestApplication');
    logger.log('Nest application successfully started', 'NestApplication');
    expect(lines()).toEqual([expect.objectContaining({ level: 'info', context: 'NestApplication' })]);
  });
});
