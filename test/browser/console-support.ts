/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort, startDevIdentityProvider, type DevIdentityProvider, type DevUser } from '@xietong/dev';
import { repoRoot } from '@xietong/config';
import { startFederation, type Harness, type HarnessOptions } from '@xietong/testing';

export const PASSWORD = 'demo-password';

/** One user per role, for every agency (the provider does not know agencies, the gateways do). */
export const USERS: DevUser[] = [
  { username: 'submitter', password: PASSWORD, name: '张报送', roles: ['submitter'] },
  { username: 'handler', password: PASSWORD, name: '李承办', roles: ['handler'] },
  { username: 'staff', password: PASSWORD, name: '王科员', roles: ['submitter', 'handler'] },
  { username: 'auditor', password: PASSWORD, name: '赵审计', roles: ['auditor'] },
];

export const SHOTS = join(repoRoot(), 'reports', 'console');

export interface ConsoleRig {
  h: Harness;
  idp: DevIdentityProvider;
  browser: Browser;
  /** Content-Security-Policy violations the browser reported on any page signed in through signIn. */
  cspViolations: string[];
  /** A fresh browser (own cookies) signed in to a gateway's console as this user. */
  signIn(agency: string, username: string): Promise<{ context: BrowserContext; page: Page }>;
  url(agency: string, path: string): string;
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Gateways with the console on, a real OIDC provider in a child process, and Chromium. */
export async function startConsoleRig(o: HarnessOptions, env: Record<string, string> = {}): Promise<ConsoleRig> {
  const port = await freePort();
  const h = await startFederation({ ...o, env: { ...o.env, XIETONG_OIDC_ISSUER: `http://127.0.0.1:${port}`, ...env } });
  const idp = await startDevIdentityProvider({
    port,
    users: USERS,
    consoles: [...h.gateways.keys()].map((id) => ({ clientId: `xietong-console-${id}`, url: h.gateway(id).url! })),
  });
  const browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
  const url = (agency: string, path: string) => `${h.gateway(agency).url}${path}`;
  const cspViolations: string[] = [];
  return {
    h,
    idp,
    browser,
    url,
    cspViolations,
    async signIn(agency, username) {
      const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
      // Chromium reports a blocked script, style or form target on the page's console.
      context.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(`${m.location().url}: ${m.text()}`);
      });
      const page = await context.newPage();
      await page.goto(url(agency, '/console'));
      await page.waitForSelector('#username');
      await page.fill('#username', username);
      await page.fill('#password', PASSWORD);
      await page.click('#sign-in');
      await page.waitForURL((u) => u.pathname.startsWith('/console/') && u.port === new URL(url(agency, '/')).port);
      return { context, page };
    },
    async shot(page, name) {
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await browser?.close();
      await idp?.close();
      await h?.close();
    },
  };
}

/**
 * The fonts Chromium really drew an element's text with (DevTools protocol), and whether the
 * page's font list passes document.fonts.check for Chinese text. document.fonts.check alone is
 * true for any installed or absent system font, so the platform fonts are what proves the glyphs.
 */
export async function fontsOf(page: Page, selector: string): Promise<{ check: boolean; platform: string[] }> {
  const check = await page.evaluate(async (sel) => {
    await document.fonts.ready;
    const family = getComputedStyle(document.querySelector(sel)!).fontFamily;
    return document.fonts.check(`14px ${family}`, '旌德县市场监督管理局');
  }, selector);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  await cdp.detach();
  return { check, platform: fonts.map((f) => f.familyName) };
}

export const CJK_FONT = /CJK|WenQuanYi|Hei|Song|Ming|Kai/i;
