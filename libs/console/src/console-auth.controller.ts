import { Controller, Get, Inject, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig } from '@xietong/config';
import { type Caller, GATEWAY_CONFIG, type ParamSpec, Public } from '@xietong/exchange';
import { consoleQuery } from './console-params';
import { ConsoleOidc } from './console-oidc';
import { ConsoleSessionStore, LOGIN_SECONDS } from './console-session.store';
import { Console, ConsoleGuard, cookieName, readCookie, type ConsoleContext } from './console-context';
import { ConsoleErrorFilter, errorPage } from './console-error.filter';
import { html } from './html';
import { tr, type Lang } from './labels';

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
    private readonly adapter: HttpAdapterHost,
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
    const { state, sealed } = await this.sessions.beginLogin({ codeVerifier, nonce, returnTo: safeReturn(returnTo) });
    const to = await this.oidc.authorizationUrl(this.callbackUrl(), state, codeVerifier, nonce);
    res.setHeader('set-cookie', this.loginCookie(sealed, LOGIN_SECONDS));
    res.redirect(303, to.href);
  }

  @Get('callback')
  async callback(@Req() req: Request, @Res() res: Response, @Query() query: unknown): Promise<void> {
    // The provider's own parameters (code, iss, error...) are checked by openid-client.
    const { state } = consoleQuery(query, { state: { kind: 'text', max: 200 } });
    // Only the browser that began this sign-in holds its cookie (a link with someone else's code and
    // state, opened in a victim's browser, is refused here before the code is exchanged).
    const login = state ? await this.sessions.takeLogin(state, readCookie(req, this.loginCookieName())) : undefined;
    const cleared = this.loginCookie('', 0);
    res.setHeader('set-cookie', cleared);
    const l = langOf(req);
    const again = html`<a href="/console/login">${tr(l, '重新登录', 'Sign in again')}</a>`;
    if (!login)
      return errorPage(
        res,
        400,
        tr(l, '登录已失效', 'Sign-in expired'),
        tr(l, '登录耗时过长或已被使用，请重新登录', 'the sign-in took too long or was already used; start again'),
        again,
        undefined,
        l,
      );
    const url = new URL(req.originalUrl, this.base());
    let who;
    try {
      who = await this.oidc.finish(url, { state: state!, codeVerifier: login.codeVerifier, nonce: login.nonce });
    } catch (e) {
      return errorPage(res, 401, tr(l, '登录失败', 'Sign-in failed'), (e as Error).message, again, undefined, l);
    }
    const session = this.sessions.create(who);
    // The sign-in is recorded in the audit log as its user's, not counted with anonymous requests.
    (req as Request & { caller?: Caller }).caller = { subject: who.subject, roles: who.roles, ip: req.ip ?? '' };
    res.setHeader('set-cookie', [cleared, this.cookie(session.id)]);
    res.redirect(303, login.returnTo);
  }

  @Post('logout')
  @UseGuards(ConsoleGuard)
  async logout(@Req() req: Request, @Res() res: Response): Promise<void> {
    const session = this.sessions.end(readCookie(req, cookieName(this.config.agencyId))!);
    res.setHeader('set-cookie', this.cookie('', 0));
    const back = `${this.base()}/console/signed-out`;
    const url = session ? await this.oidc.logoutUrl(session.idToken, back).catch(() => undefined) : undefined;
    res.redirect(303, url?.href ?? back);
  }

  @Get('signed-out')
  signedOut(@Req() req: Request, @Res() res: Response): void {
    const l = langOf(req);
    res.type('html').send(
      html`<!doctype html>
        <html lang="${l === 'zh' ? 'zh-CN' : 'en'}">
          <head>
            <meta charset="utf-8" />
            <title>${tr(l, '已退出', 'Signed out')}</title>
            <link rel="stylesheet" href="/console/assets/console.css" />
          </head>
          <body>
            <main>
              <h1>${tr(l, '已安全退出', 'Signed out')}</h1>
              <p id="signed-out">${tr(l, '您已退出协同控制台。', 'You have left the Xietong console.')}</p>
              <p><a href="/console/login" id="login">${tr(l, '重新登录', 'Sign in again')}</a></p>
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

  /**
   * The console's own URL: XIETONG_CONSOLE_URL, or (a gateway on a loopback address, the only case
   * configuration lets it out) the address it listens on. Never the request's Host header, which
   * the client chooses: redirect URIs and the Secure flag must not depend on it.
   */
  private base(): string {
    if (this.config.console?.publicUrl) return this.config.console.publicUrl;
    const { port } = this.adapter.httpAdapter.getHttpServer().address() as AddressInfo;
    const host = this.config.http.host.includes(':') ? `[${this.config.http.host}]` : this.config.http.host;
    return `http://${host}:${port}`;
  }

  private get secure(): boolean {
    return this.base().startsWith('https:');
  }

  private callbackUrl(): string {
    return `${this.base()}/console/callback`;
  }

  private cookie(value: string, maxAge?: number): string {
    const age = maxAge === undefined ? '' : `; Max-Age=${maxAge}`;
    return `${cookieName(this.config.agencyId)}=${value}; Path=/; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}${age}`;
  }

  /**
   * The login cookie: `__Host-` and Secure when the console URL is https (bound to this origin, not
   * settable by a sibling host); on plain-http loopback development a browser refuses `__Host-`
   * without Secure, so there it is a plain HttpOnly cookie. SameSite=Lax: the callback is a
   * top-level GET from the provider's site, which Lax lets through.
   */
  private loginCookieName(): string {
    return `${this.secure ? '__Host-' : ''}xietong_login_${this.config.agencyId}`;
  }

  private loginCookie(value: string, maxAge: number): string {
    return `${this.loginCookieName()}=${value}; Path=/; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}; Max-Age=${maxAge}`;
  }
}

/** Only a path of this console: never an open redirect to another site. */
function safeReturn(to: string | undefined): string {
  return to && /^\/console(\/|$|\?)/.test(to) && !to.startsWith('//') ? to : '/console';
}

/** The language the browser chose with the console's switch (a cookie), Chinese unless English. */
function langOf(req: Request): Lang {
  return readCookie(req, 'xietong_lang') === 'en' ? 'en' : 'zh';
}
