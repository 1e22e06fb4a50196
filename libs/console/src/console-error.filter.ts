import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from '@xietong/contracts';
import { httpStatusOf } from '@xietong/exchange';
import { ConsoleForbidden, ConsoleLoginRequired, readCookie } from './console-context';
import { html } from './html';
import { tr, type Lang } from './labels';

/**
 * Console pages answer in HTML: not signed in -> to the login (GET) or 401, a missing role or
 * CSRF token -> 403 page, a domain error -> its status with the message.
 */
@Catch()
export class ConsoleErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Console');

  catch(e: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const l: Lang = readCookie(req, 'xietong_lang') === 'en' ? 'en' : 'zh';
    if (e instanceof ConsoleLoginRequired) {
      if (req.method === 'GET') {
        res.redirect(303, `/console/login?returnTo=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      errorPage(
        res,
        401,
        tr(l, '未登录或会话已过期', 'Not signed in'),
        tr(l, '未登录或会话已过期', 'Not signed in or the session expired'),
        html`<a href="/console/login">${tr(l, '重新登录', 'Sign in again')}</a>`,
        undefined,
        l,
      );
      return;
    }
    if (e instanceof ConsoleForbidden)
      return errorPage(res, 403, tr(l, '无权操作', 'Not allowed'), e.message, '', undefined, l);
    if (e instanceof DomainError) {
      const status = httpStatusOf(e.code);
      return errorPage(res, status, e.code, e.message, '', e.field, l);
    }
    if (e instanceof HttpException)
      return errorPage(res, e.getStatus(), tr(l, '请求无效', 'Bad request'), e.message, '', undefined, l);
    this.logger.error(`console error: ${(e as Error)?.stack ?? String(e)}`);
    errorPage(res, 500, tr(l, '内部错误', 'Internal error'), 'internal error; see the gateway log', '', undefined, l);
  }
}

export function errorPage(
  res: Response,
  status: number,
  title: string,
  message: string,
  extra: unknown = '',
  field?: string,
  lang: Lang = 'zh',
): void {
  res
    .status(status)
    .type('html')
    .send(
      html`<!doctype html>
        <html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">
          <head>
            <meta charset="utf-8" />
            <title>${title}</title>
            <link rel="stylesheet" href="/console/assets/console.css" />
          </head>
          <body>
            <main>
              <h1>${title}</h1>
              <p class="error" id="error" data-field="${field ?? ''}">${message}</p>
              ${extra as string}
              <p><a href="/console">${tr(lang, '返回首页', 'Home')}</a></p>
            </main>
          </body>
        </html>`.value,
    );
}
