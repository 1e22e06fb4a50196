import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@xietong/contracts';
import { httpStatusOf } from '@xietong/exchange';

/**
 * The only place domain errors become HTTP: `{ error, message, field? }` with a stable code.
 * Body-parser failures (bad JSON, too large) are mapped here too, so every 4xx has one shape.
 */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof DomainError) {
      const status = httpStatusOf(exception.code);
      if (exception.code === 'AUTH_UNAVAILABLE') res.setHeader('Retry-After', '5');
      if (status === 401)
        res.setHeader(
          'WWW-Authenticate',
          `Bearer error="invalid_token", error_description="${exception.message.replace(/"/g, "'")}"`,
        );
      res.status(status).json({
        error: exception.code,
        message: exception.message,
        ...(exception.field !== undefined ? { field: exception.field } : {}),
      });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const cause = exception.getResponse() as { message?: string } | string;
      const message = typeof cause === 'string' ? cause : (cause.message ?? exception.message);
      const code =
        status === 413
          ? 'PAYLOAD_TOO_LARGE'
          : status === 404
            ? 'NOT_FOUND'
            : status === 400
              ? 'VALIDATION_FAILED'
              : 'HTTP_ERROR';
      res
        .status(status)
        .json({ error: code, message: status === 400 ? `request body is not valid JSON: ${message}` : message });
      return;
    }
    const e = exception as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'VALIDATION_FAILED', message: 'request body is not valid JSON' });
      return;
    }
    if (e?.type === 'entity.too.large' || e?.status === 413) {
      res.status(413).json({ error: 'PAYLOAD_TOO_LARGE', message: 'request body exceeds the configured limit' });
      return;
    }
    this.logger.error(`unhandled error: ${(exception as Error)?.stack ?? String(exception)}`);
    res.status(500).json({ error: 'INTERNAL', message: 'internal error; see the gateway log' });
  }
}
