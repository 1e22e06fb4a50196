import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

/** For one alert: a shorter `for`, and text of its expression replaced (each `from` must occur). */
export interface AlertOverride {
  for?: string;
  replace?: [from: string, to: string][];
}

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
}

/**
 * deploy/prometheus/alerts.yml with shorter `for` durations and thresholds, for a test that cannot
 * wait 30 minutes (docs/operations.md#alert-overrides-for-tests). The production file is never
 * edited: a rule or a text to replace that is not there fails here, so an override cannot silently
 * stop applying when the rules change.
 */
export function overrideAlerts(rulesFile: string, overrides: Record<string, AlertOverride>): string {
  const doc = parse(readFileSync(rulesFile, 'utf8')) as { groups: { rules: Rule[] }[] };
  const seen = new Set<string>();
  for (const rule of doc.groups.flatMap((g) => g.rules)) {
    const o = rule.alert ? overrides[rule.alert] : undefined;
    if (!o) continue;
    seen.add(rule.alert!);
    if (o.for) rule.for = o.for;
    for (const [from, to] of o.replace ?? []) {
      if (!rule.expr.includes(from)) throw new Error(`alert ${rule.alert}: "${from}" is not in its expression`);
      rule.expr = rule.expr.replace(from, to);
    }
  }
  const missing = Object.keys(overrides).filter((a) => !seen.has(a));
  if (missing.length) throw new Error(`no such alerts in ${rulesFile}: ${missing.join(', ')}`);
  return stringify(doc);
}
