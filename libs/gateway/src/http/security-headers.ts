import type { NextFunction, Request, Response } from 'express';

/**
 * The console's Content-Security-Policy: its pages load only the gateway's own script, stylesheet
 * and ECharts from /console/assets (no inline script or style), are never framed, and post forms
 * only to themselves or, at logout, on to the identity provider's end-session endpoint (browsers
 * check form-action on the redirect after a POST too).
 */
export function consolePolicy(issuer?: string): string {
  const idp = issuer ? ` ${new URL(issuer).origin}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    `form-action 'self'${idp}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/**
 * Express middleware: what the API and the console answer carries data about cases and people, so
 * no cache (browser or proxy) keeps it; no page of the gateway is framed (clickjacking) or sniffed.
 * The console's static assets stay cacheable.
 */
export function securityHeaders(issuer?: string) {
  const policy = consolePolicy(issuer);
  return (req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'same-origin');
    const console = req.path === '/console' || req.path.startsWith('/console/');
    if (console && !req.path.startsWith('/console/assets/')) {
      res.setHeader('Content-Security-Policy', policy);
      res.setHeader('Cache-Control', 'no-store');
    } else if (!console) {
      res.setHeader('Cache-Control', 'no-store');
    }
    next();
  };
}
