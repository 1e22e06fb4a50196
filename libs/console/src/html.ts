/** Markup already escaped (or built from escaped parts): rendered as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = Html | string | number | boolean | null | undefined | HtmlValue[];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function render(v: HtmlValue): string {
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

/** Tagged template: every interpolated value is escaped unless it is already Html. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0];
  values.forEach((v, i) => (out += render(v) + strings[i + 1]));
  return new Html(out);
}

/** JSON for a `<script type="application/json">` block (cannot close the element). */
export function jsonData(id: string, data: unknown): Html {
  const text = JSON.stringify(data).replace(/</g, '\\u003c');
  return new Html(`<script type="application/json" id="${escapeHtml(id)}">${text}</script>`);
}
