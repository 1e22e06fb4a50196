import { createParamDecorator, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { Inject } from '@nestjs/common';
import type { GatewayConfig } from '@xietong/config';
import { type Caller, GATEWAY_CONFIG, type Role } from '@xietong/exchange';
import { ManifestStore } from '@xietong/federation';
import { ConsoleSessionStore, type ConsoleSession } from './console-session.store';
import { agencyName, roleName, type Lang } from './labels';

/** What every console page knows about its request. */
export interface ConsoleContext {
  session: ConsoleSession;
  lang: Lang;
  agency: string;
  /** Full agency name from the manifest (or the id). */
  name(id: string): string;
  path: string;
  has(role: Role): boolean;
}

/** Not signed in (or the session expired): pages send the browser to the login. */
export class ConsoleLoginRequired extends Error {}

/** Signed in, but without the role this needs (or a form without its CSRF token). */
export class ConsoleForbidden extends Error {}

export const CONSOLE_ROLES = 'xietong:console-roles';
/** Roles that may open a console page (admin passes all). */
export const ConsoleRoles = (...roles: Role[]) => SetMetadata(CONSOLE_ROLES, roles);

export const Console = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): ConsoleContext =>
    ctx.switchToHttp().getRequest<{ console: ConsoleContext }>().console,
);

export const cookieName = (agency: string) => `xietong_console_${agency}`;

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/**
 * The console's own guard (the bearer-token guard lets console routes through): a live session
 * with one of the page's roles, and on every POST the session's CSRF token.
 */
@Injectable()
export class ConsoleGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: ConsoleSessionStore,
    private readonly manifests: ManifestStore,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request & { console?: ConsoleContext; caller?: Caller }>();
    const session = this.sessions.touch(readCookie(req, cookieName(this.config.agencyId)));
    if (!session) throw new ConsoleLoginRequired();
    const has = (r: Role) => session.roles.includes(r) || session.roles.includes('admin');
    req.caller = { subject: session.subject, roles: session.roles, ip: req.ip ?? req.socket.remoteAddress ?? '' };
    const lang: Lang = readCookie(req, 'xietong_lang') === 'en' ? 'en' : 'zh';
    req.console = {
      session,
      lang,
      agency: this.config.agencyId,
      name: (id) => agencyName(this.manifests.lastKnown.member(id)?.name, id),
      path: req.originalUrl,
      has,
    };
    const allowed =
      this.reflector.getAllAndOverride<Role[]>(CONSOLE_ROLES, [context.getHandler(), context.getClass()]) ?? [];
    if (allowed.length > 0 && !allowed.some(has))
      throw new ConsoleForbidden(
        lang === 'zh'
          ? `此操作需要以下角色之一：${allowed.map((r) => roleName(r)).join('、')}；当前账号的角色：${session.roles.map((r) => roleName(r)).join('、') || '无'}`
          : `this needs one of the roles ${allowed.join(', ')}; you have ${session.roles.join(', ') || 'none'}`,
      );
    if (req.method === 'POST') {
      const sent = String(
        (req.body as Record<string, unknown> | undefined)?._csrf ?? req.headers['x-csrf-token'] ?? '',
      );
      const a = Buffer.from(sent);
      const b = Buffer.from(session.csrf);
      if (a.length !== b.length || !timingSafeEqual(a, b))
        throw new ConsoleForbidden(
          lang === 'zh' ? '表单已失效（CSRF 校验失败），请刷新页面后重试' : 'form expired (CSRF check failed)',
        );
    }
    return true;
  }
}
