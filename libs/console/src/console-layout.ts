import type { ConsoleContext } from './console-context';
import { html, type Html, type HtmlValue } from './html';
import { roleName, ui } from './labels';

interface NavItem {
  href: string;
  label: string;
  show: boolean;
}

/** The frame of every console page: agency, user, navigation, language switch, logout. */
export function layout(c: ConsoleContext, title: string, body: HtmlValue, options: { charts?: boolean } = {}): Html {
  const l = c.lang;
  const nav: NavItem[] = [
    { href: '/console/auditor', label: ui('overview', l), show: c.has('auditor') },
    { href: '/console/auditor/overdue', label: ui('overdue', l), show: c.has('auditor') },
    { href: '/console/auditor/quarantine', label: ui('quarantine', l), show: c.has('auditor') },
    { href: '/console/auditor/messages', label: ui('messages', l), show: c.has('auditor') },
    { href: '/console/auditor/report', label: ui('report', l), show: c.has('auditor') },
    { href: '/console/inbox', label: ui('inbox', l), show: c.has('handler') || c.has('submitter') },
    { href: '/console/transferred', label: ui('transferred', l), show: c.has('handler') || c.has('submitter') },
    { href: '/console/leads/new', label: ui('newLead', l), show: c.has('submitter') },
  ];
  return html`<!doctype html>
    <html lang="${l === 'zh' ? 'zh-CN' : 'en'}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="csrf-token" content="${c.session.csrf}" />
        <title>${title} · ${c.name(c.agency)}</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        ${options.charts ? html`<script src="/console/assets/echarts.min.js" defer></script>` : ''}
        <script src="/console/assets/console.js" defer></script>
      </head>
      <body>
        <header>
          <div class="brand">${ui('title', l)}<span class="agency" id="agency">${c.name(c.agency)}</span></div>
          <div class="user">
            <span id="user">${c.session.name}</span>
            <span class="roles">${c.session.roles.map((r) => roleName(r, l)).join(l === 'zh' ? '、' : ', ')}</span>
            <a href="/console/lang?to=${l === 'zh' ? 'en' : 'zh'}&amp;back=${encodeURIComponent(c.path)}" id="lang"
              >${l === 'zh' ? 'English' : '中文'}</a
            >
            <form method="post" action="/console/logout" class="inline">
              <input type="hidden" name="_csrf" value="${c.session.csrf}" />
              <button type="submit" id="logout">${ui('logout', l)}</button>
            </form>
          </div>
        </header>
        <nav>
          ${nav.filter((n) => n.show).map((n) => html`<a href="${n.href}" class="${c.path.split('?')[0] === n.href ? 'active' : ''}">${n.label}</a>`)}
        </nav>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

/** A page of a list: previous/next links that keep the filters. */
export function pager(c: ConsoleContext, query: Record<string, string>, page: number, hasMore: boolean): Html {
  const link = (p: number) => {
    const q = new URLSearchParams({ ...query, page: String(p) });
    return `${c.path.split('?')[0]}?${q.toString()}`;
  };
  return html`<div class="pager">
    ${page > 1 ? html`<a href="${link(page - 1)}" class="prev">${ui('prev', c.lang)}</a>` : ''}
    <span class="page">${ui('page', c.lang, { n: page })}</span>
    ${hasMore ? html`<a href="${link(page + 1)}" class="next">${ui('next', c.lang)}</a>` : ''}
  </div>`;
}

/** A GET filter form: selects and inputs, keeping the current values. */
export function filterForm(c: ConsoleContext, fields: HtmlValue): Html {
  return html`<form method="get" class="filters">
    ${fields}<button type="submit">${ui('filter', c.lang)}</button>
  </form>`;
}

export function select(
  name: string,
  label: string,
  options: [value: string, text: string][],
  current: string | undefined,
  attrs: { required?: boolean; multiple?: boolean } = {},
): Html {
  const chosen = new Set((current ?? '').split(','));
  return html`<label
    >${label}<select name="${name}" id="f-${name}" ${attrs.multiple ? html`multiple` : ''}>
      ${attrs.required || attrs.multiple ? '' : html`<option value="">—</option>`}
      ${options.map(([v, t]) => html`<option value="${v}" ${chosen.has(v) ? html`selected` : ''}>${t}</option>`)}
    </select></label
  >`;
}

export function input(name: string, label: string, value: string | undefined, type = 'text', placeholder = ''): Html {
  return html`<label
    >${label}<input type="${type}" name="${name}" id="f-${name}" value="${value ?? ''}" placeholder="${placeholder}"
  /></label>`;
}
