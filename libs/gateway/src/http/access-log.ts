import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@nestjs/common';
import type { AuditRepository, Database } from '@xietong/persistence';
import type { Caller } from '../auth/roles';

/**
 * Express middleware: every API request and console page, refused or served, becomes an API_ACCESS audit event
 * (who, what, when, from where, with which outcome) once the response is finished.
 */
export function accessLog(db: Database, audit: AuditRepository, logger: Logger) {
  return (req: Request & { caller?: Caller }, res: Response, next: NextFunction): void => {
    // API calls and console pages (not the console's static assets).
    if (!req.path.startsWith('/api/') && !(req.path.startsWith('/console') && !req.path.startsWith('/console/assets/')))
      return next();
    const started = new Date();
    res.on('finish', () => {
      const caller = req.caller;
      void db
        .transaction((em) =>
          audit.append(em, [
            {
              kind: 'API_ACCESS',
              actor: caller?.subject ?? 'anonymous',
              detail: {
                method: req.method,
                path: req.path,
                status: res.statusCode,
                roles: caller?.roles ?? [],
                ip: req.ip ?? req.socket.remoteAddress ?? '',
              },
              occurredAt: started,
            },
          ]),
        )
        .catch((e) => logger.error(`could not record API access ${req.method} ${req.path}: ${(e as Error).message}`));
    });
    next();
  };
}
