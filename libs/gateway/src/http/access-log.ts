import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@nestjs/common';
import type { AuditInput, AuditRepository, Database } from '@xietong/persistence';
import type { Caller } from '@xietong/exchange';
import type { AnonymousAccessTally } from './anonymous-access';

/**
 * Express middleware: every API request and console page, refused or served, becomes an API_ACCESS audit event
 * (who, what, when, from where, with which outcome) once the response is finished. Requests without a
 * caller are counted in `anonymous` instead and written as one entry every `intervalMs` (see
 * AnonymousAccessTally); `close()` writes the last interval's and stops the timer.
 */
export function accessLog(
  db: Database,
  audit: AuditRepository,
  logger: Logger,
  anonymous: AnonymousAccessTally,
  intervalMs: number,
) {
  const append = (entry: AuditInput, what: string) =>
    db
      .transaction((em) => audit.append(em, [entry]))
      .catch((e) => logger.error(`could not record API access ${what}: ${(e as Error).message}`));
  const flush = () => {
    const entry = anonymous.take(new Date());
    return entry ? append(entry, `of ${String(entry.detail?.count)} anonymous requests`) : Promise.resolve();
  };
  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();
  const middleware = (req: Request & { caller?: Caller }, res: Response, next: NextFunction): void => {
    // API calls and console pages (not the console's static assets).
    if (!req.path.startsWith('/api/') && !(req.path.startsWith('/console') && !req.path.startsWith('/console/assets/')))
      return next();
    const started = new Date();
    res.on('finish', () => {
      const caller = req.caller;
      const ip = req.ip ?? req.socket.remoteAddress ?? '';
      if (!caller) return anonymous.add({ method: req.method, path: req.path, status: res.statusCode, ip }, started);
      void append(
        {
          kind: 'API_ACCESS',
          actor: caller.subject,
          detail: { method: req.method, path: req.path, status: res.statusCode, roles: caller.roles, ip },
          occurredAt: started,
        },
        `${req.method} ${req.path}`,
      );
    });
    next();
  };
  return Object.assign(middleware, {
    async close(): Promise<void> {
      clearInterval(timer);
      await flush();
    },
  });
}
