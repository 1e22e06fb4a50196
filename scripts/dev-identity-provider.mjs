// A development OpenID Connect provider (oidc-provider) for the demo and the browser tests: one
// client per gateway console (authorization code + PKCE, public client), a few users with their
// roles in a `roles` claim, a Chinese login form. Never for production: users and keys live in
// memory and come from XIETONG_IDP_CONFIG:
//   { "port": 0, "clients": [{ "client_id", "redirect_uris", "post_logout_redirect_uris" }],
//     "users": [{ "username", "password", "name", "roles": ["auditor"] }], "sessionSeconds": 3600 }
// Prints `listening <issuer>` on stdout once it accepts connections.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { generateKeyPair, exportJWK } from 'jose';

process.env.NODE_NO_WARNINGS = '1';
const { default: Provider } = await import('oidc-provider');

const config = JSON.parse(process.env.XIETONG_IDP_CONFIG ?? '{}');
const users = new Map((config.users ?? []).map((u) => [u.username, u]));

const escape = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const page = (title, body) => `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:14px/1.6 "Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;background:#f5f6f8;margin:0}
main{max-width:360px;margin:80px auto;background:#fff;border:1px solid #d9dee4;padding:24px}
label{display:block;margin:12px 0 4px}input{width:100%;padding:6px;box-sizing:border-box}
button{margin-top:16px;padding:6px 20px}.error{color:#b3261e}</style></head><body><main>${body}</main></body></html>`;

const server = createServer();
server.listen(Number(config.port ?? 0), '127.0.0.1', async () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    clients: (config.clients ?? []).map((c) => ({
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      ...c,
    })),
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'dev-idp', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    scopes: ['openid', 'profile', 'roles'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], roles: ['roles'] },
    // The gateways read the roles from the ID token, as they read them from API tokens.
    conformIdTokenClaims: false,
    ttl: { Session: Number(config.sessionSeconds ?? 3600), IdToken: 3600, AccessToken: 3600, Grant: 3600 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // Signing out of a console signs out here too, without a confirmation page.
        logoutSource: async (ctx, form) => {
          ctx.body = page(
            '退出登录',
            `${form}<p>正在退出…</p><script>var f = document.getElementById('op.logoutForm');
var i = document.createElement('input'); i.type = 'hidden'; i.name = 'logout'; i.value = 'yes';
f.appendChild(i); f.submit();</script>`,
          );
        },
      },
    },
    findAccount: async (_ctx, id) => {
      const u = users.get(id);
      if (!u) return undefined;
      return {
        accountId: id,
        claims: async () => ({ sub: id, name: u.name ?? id, preferred_username: id, roles: u.roles ?? [] }),
      };
    },
  });
  provider.proxy = false;

  const loginForm = (uid, error = '', username = '') =>
    page(
      '登录',
      `<h1>协同 · 统一身份认证（开发用）</h1>${error ? `<p class="error" id="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="username">用户名</label><input id="username" name="username" autocomplete="username" value="${escape(username)}">
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit" id="sign-in">登录</button></form>`,
    );

  const readForm = (req) =>
    new Promise((resolve, reject) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(body))));
      req.on('error', reject);
    });

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    const m = /^\/interaction\/([\w-]+)(\/login)?$/.exec(req.url.split('?')[0]);
    if (!m) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET') {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        return res.end(loginForm(details.uid));
      }
      const form = await readForm(req);
      const user = users.get(form.username);
      if (!user || user.password !== form.password) {
        res.statusCode = 401;
        res.setHeader('content-type', 'text/html; charset=utf-8');
        return res.end(loginForm(details.uid, '用户名或密码错误', form.username));
      }
      const grant = new provider.Grant({ accountId: user.username, clientId: details.params.client_id });
      grant.addOIDCScope('openid profile roles');
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.username }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    } catch (e) {
      res.statusCode = 400;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(`sign-in failed: ${e.message}`);
    }
  });
  process.stdout.write(`listening ${issuer}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('disconnect', () => process.exit(0));
