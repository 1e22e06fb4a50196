import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The metric names a gateway's `/metrics` exports, read from the code (every `xietong_*` name in
 * a string literal of a non-spec source file under libs/, a histogram's series included), plus
 * prom-client's default `process_*` / `nodejs_*` families and Prometheus's own `up`. A dashboard
 * query or an alert naming anything else names a metric that does not exist.
 */
export function exportedMetricNames(root: string): Set<string> {
  const names = new Set<string>(['up']);
  for (const file of sources(join(root, 'libs'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/['"`](xietong_[a-z0-9_]+)['"`]/g)) names.add(m[1]);
    for (const m of text.matchAll(/new Histogram\(\{\s*name: '(xietong_[a-z0-9_]+)'/g))
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(m[1] + suffix);
  }
  return names;
}

/** Whether a name is one of prom-client's default metrics (collectDefaultMetrics). */
export function isDefaultMetric(name: string): boolean {
  return /^(process|nodejs)_[a-z0-9_]+$/.test(name);
}

/** Metric names in a PromQL expression: identifiers not followed by `(` and not label names or keywords. */
export function metricsInQuery(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '{}');
  const withoutGrouping = withoutStrings.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = withoutGrouping.match(/\b[a-z_][a-z0-9_]*\b(?!\s*\()/g) ?? [];
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'le']);
  return [...new Set(names.filter((n) => n.includes('_') || n === 'up'))].filter((n) => !keywords.has(n));
}

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (path.endsWith('.ts') && !path.endsWith('.spec.ts')) yield path;
  }
}
