import { ConsoleLogger, type LoggerService, type LogLevel } from '@nestjs/common';
import type { LogFormat } from '@xietong/config';
import { JsonLogger } from './json-logger';
import { RETHROWN_CONTEXTS } from './rethrown';

const rethrown = (rest: unknown[]) => RETHROWN_CONTEXTS.has(rest[rest.length - 1] as string);

/** Nest's human-readable console lines, without the stack trace of start-up errors that are reported by the caller. */
class TextLogger extends ConsoleLogger {
  override error(message: unknown, ...rest: unknown[]): void {
    if (rethrown(rest)) return;
    super.error(message, ...rest);
  }

  override fatal(message: unknown, ...rest: unknown[]): void {
    if (rethrown(rest)) return;
    super.fatal(message, ...rest);
  }
}

/**
 * The logger of a gateway process (XIETONG_LOG_FORMAT): Nest's console lines by default, JSON
 * lines (pino) with `json`. Passed to Nest as its logger, so every `new Logger(context)` uses it.
 */
export function createGatewayLogger(
  format: LogFormat = 'text',
  levels: LogLevel[] = ['log', 'warn', 'error', 'fatal'],
): LoggerService {
  const logger = format === 'json' ? new JsonLogger() : new TextLogger();
  logger.setLogLevels(levels);
  return logger;
}
