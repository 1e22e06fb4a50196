import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@nestjs/common';
import type { AuditInput, AuditRepository, Database } from '@xietong/persistence';
import type { Caller } from '../auth/roles';

/** Longest time an access event waits before it is chained (events are written in batches). */
const FLUSH_MS = 200;

/**
 * Express middleware: every API request, refused or served, becomes an API_ACCESS audit event
 * (who, what, when, from where, with which outcome). Events are chained in batches every 200 ms,
 * so the audit chain's lock is taken once per batch rather than once per request.
 */
export function accessLog(db: Database, audit: AuditRepository, logger: Logger) {
  let pending: AuditInput[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const batch = pending;
    pending = [];
    void db.transaction((em) => audit.append(em, batch)).catch((e) => logger.error(`could not record ${batch.length} API access events: ${(e as Error).message}`));
  };
  return (req: Request & { caller?: Caller }, res: Response, next: NextFunction): void => {
    if (!req.path.startsWith('/api/')) return next();
    const started = new Date();
    res.on('finish', () => {
      const caller = req.caller;
      pending.push({
        kind: 'API_ACCESS',
        actor: caller?.subject ?? 'anonymous',
        detail: { method: req.method, path: req.path, status: res.statusCode, roles: caller?.roles ?? [], ip: req.ip ?? req.socket.remoteAddress ?? '' },
        occurredAt: started,
      });
      timer ??= setTimeout(flush, FLUSH_MS);
    });
    next();
  };
}
