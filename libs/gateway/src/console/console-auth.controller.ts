import { Controller, Get, Inject, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { GatewayConfig } from '@xietong/config';
import { GATEWAY_CONFIG } from '@xietong/exchange';
import { Public } from '../auth/roles';
import type { ParamSpec } from '../http/query-params';
import { consoleQuery } from './console-params';
import { ConsoleOidc } from './console-oidc';
import { ConsoleSessionStore } from './console-session.store';
import { Console, ConsoleGuard, cookieName, readCookie, type ConsoleContext } from './console-context';
import { ConsoleErrorFilter, errorPage } from './console-error.filter';
import { html } from './html';

const RETURN_PATH = { kind: 'text', max: 2000 } as const satisfies ParamSpec;

/** Sign-in through the agency's identity provider (code + PKCE), sign-out, language. */
@Controller('console')
@Public()
@UseFilters(ConsoleErrorFilter)
export class ConsoleAuthController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly oidc: ConsoleOidc,
    private readonly sessions: ConsoleSessionStore,
  ) {}

  @Get()
  @UseGuards(ConsoleGuard)
  home(@Console() c: ConsoleContext, @Res() res: Response): void {
    res.redirect(303, c.has('auditor') ? '/console/auditor' : '/console/inbox');
  }

  @Get('login')
  async login(@Req() req: Request, @Res() res: Response, @Query() query: unknown): Promise<void> {
    const { returnTo } = consoleQuery(query, { returnTo: RETURN_PATH });
    const { codeVerifier, nonce } = await this.oidc.randoms();
    const state = this.sessions.beginLogin({ codeVerifier, nonce, returnTo: safeReturn(returnTo) });
    res.redirect(303, (await this.oidc.authorizationUrl(this.callbackUrl(req), state, codeVerifier, nonce)).href);
  }

  @Get('callback')
  async callback(@Req() req: Request, @Res() res: Response, @Query() query: unknown): Promise<void> {
    // The provider's own parameters (code, iss, error...) are checked by openid-client.
    const { state } = consoleQuery(query, { state: { kind: 'text', max: 200 } });
    const login = state ? this.sessions.takeLogin(state) : undefined;
    if (!login)
      return errorPage(
        res,
        400,
        '登录已失效',
        'the sign-in took too long or was already used; start again',
        html`<a href="/console/login">重新登录</a>`,
      );
    const url = new URL(req.originalUrl, this.base(req));
    let who;
    try {
      who = await this.oidc.finish(url, { state: state!, codeVerifier: login.codeVerifier, nonce: login.nonce });
    } catch (e) {
      return errorPage(res, 401, '登录失败', (e as Error).message, html`<a href="/console/login">重新登录</a>`);
    }
    const session = this.sessions.create(who);
    res.setHeader('set-cookie', this.cookie(req, session.id));
    res.redirect(303, login.returnTo);
  }

  @Post('logout')
  @UseGuards(ConsoleGuard)
  async logout(@Req() req: Request, @Res() res: Response): Promise<void> {
    const session = this.sessions.end(readCookie(req, cookieName(this.config.agencyId))!);
    res.setHeader('set-cookie', this.cookie(req, '', 0));
    const back = `${this.base(req)}/console/signed-out`;
    const url = session ? await this.oidc.logoutUrl(session.idToken, back).catch(() => undefined) : undefined;
    res.redirect(303, url?.href ?? back);
  }

  @Get('signed-out')
  signedOut(@Res() res: Response): void {
    res.type('html').send(
      html`<!doctype html>
        <html lang="zh-CN">
          <head>
            <meta charset="utf-8" />
            <title>已退出</title>
            <link rel="stylesheet" href="/console/assets/console.css" />
          </head>
          <body>
            <main>
              <h1>已安全退出</h1>
              <p id="signed-out">您已退出协同控制台。</p>
              <p><a href="/console/login" id="login">重新登录</a></p>
            </main>
          </body>
        </html>`.value,
    );
  }

  @Get('lang')
  lang(@Req() req: Request, @Res() res: Response, @Query() query: unknown): void {
    const { to, back } = consoleQuery(query, { to: { kind: 'enum', values: ['zh', 'en'] }, back: RETURN_PATH });
    res.setHeader('set-cookie', `xietong_lang=${to === 'en' ? 'en' : 'zh'}; Path=/console; SameSite=Lax`);
    res.redirect(303, safeReturn(back));
  }

  private base(req: Request): string {
    return this.config.console?.publicUrl ?? `${req.protocol}://${req.get('host')}`;
  }

  private callbackUrl(req: Request): string {
    return `${this.base(req)}/console/callback`;
  }

  private cookie(req: Request, value: string, maxAge?: number): string {
    const secure = this.base(req).startsWith('https:') ? '; Secure' : '';
    const age = maxAge === undefined ? '' : `; Max-Age=${maxAge}`;
    return `${cookieName(this.config.agencyId)}=${value}; Path=/; HttpOnly; SameSite=Lax${secure}${age}`;
  }
}

/** Only a path of this console: never an open redirect to another site. */
function safeReturn(to: string | undefined): string {
  return to && /^\/console(\/|$|\?)/.test(to) && !to.startsWith('//') ? to : '/console';
}
