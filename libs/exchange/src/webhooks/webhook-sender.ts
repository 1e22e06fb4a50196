import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { portOf, type SsrfGuard } from './ssrf-guard';

/** What one POST came to: the status code (undefined when no response came) and the time it took. */
export interface WebhookResponse {
  statusCode?: number;
  durationMs: number;
  error?: string;
}

/**
 * POSTs a webhook: no redirect is followed (a 3xx is an answer like any non-2xx), the socket goes
 * only to an address the guard allows (checked as resolved, at connect time), and the whole
 * exchange is bounded by `timeoutMs`. The response body is read and dropped.
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  o: { guard: SsrfGuard; timeoutMs: number },
): Promise<WebhookResponse> {
  const started = performance.now();
  const took = () => performance.now() - started;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.resolve({ durationMs: 0, error: `not a URL: ${url}` });
  }
  const port = portOf(u);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) {
    const refused = o.guard.refusal(host, port);
    if (refused) return Promise.resolve({ durationMs: took(), error: `refused: ${refused}` });
  }
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: Omit<WebhookResponse, 'durationMs'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...r, durationMs: took() });
    };
    const req = request(
      u,
      {
        method: 'POST',
        agent: false,
        lookup: o.guard.lookupFor(port),
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'xietong-webhooks/1',
        },
      },
      (res: IncomingMessage) => {
        res.on('data', () => undefined);
        res.on('end', () => finish({ statusCode: res.statusCode }));
        res.on('error', (e) => finish({ statusCode: res.statusCode, error: e.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ error: `no response within ${o.timeoutMs} ms` });
      req.destroy();
    }, o.timeoutMs);
    req.on('error', (e) => finish({ error: e.message }));
    req.end(body);
  });
}
