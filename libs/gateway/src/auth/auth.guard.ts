import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '@xietong/contracts';
import { type Caller, PUBLIC_KEY, type Role, ROLES_KEY } from '@xietong/exchange';
import { SCRAPE_KEY, ScrapeCredential } from './scrape-credential';
import { TokenVerifier } from './token-verifier';

/**
 * Every HTTP handler needs a valid bearer token and one of its @Roles (admin passes all), unless
 * marked @Public. 401 for a missing, expired or foreign token; 403 for a missing role. A handler
 * marked @AcceptsScrapeCredential (/metrics) also takes the static scrape credential, if configured.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    private readonly scrape: ScrapeCredential,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    const header = req.headers.authorization ?? '';
    if (this.scrape.configured && this.reflector.getAllAndOverride<boolean>(SCRAPE_KEY, targets)) {
      const presented = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      if (presented !== undefined && this.scrape.matches(presented)) {
        req.caller = { subject: 'scrape-credential', roles: [], ip: req.ip ?? req.socket.remoteAddress ?? '' };
        return true;
      }
    }
    const match = /^Bearer\s+([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(header);
    if (!match) throw new DomainError('UNAUTHENTICATED', 'send a bearer token: Authorization: Bearer <JWT>');
    const { subject, roles } = await this.verifier.verify(match[1]);
    const caller: Caller = { subject, roles, ip: req.ip ?? req.socket.remoteAddress ?? '' };
    req.caller = caller;
    const allowed = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? [];
    if (!roles.includes('admin') && !allowed.some((r) => roles.includes(r))) {
      throw new DomainError(
        'FORBIDDEN',
        `this needs one of the roles ${allowed.join(', ') || 'admin'}; the token has ${roles.join(', ') || 'no roles'}`,
      );
    }
    return true;
  }
}
