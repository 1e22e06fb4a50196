import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportedMetricNames, isDefaultMetric, metricsInQuery } from '../support/exported-metrics';

const root = join(__dirname, '../..');

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

describe('the Grafana dashboard deploy/grafana/xietong-dashboard.json', () => {
  const text = readFileSync(join(root, 'deploy/grafana/xietong-dashboard.json'), 'utf8');

  it('is JSON Grafana can import: a titled dashboard with a uid and panels that query Prometheus', () => {
    const dashboard = JSON.parse(text) as { title: string; uid: string; panels: Panel[] };
    expect(dashboard.title).toMatch(/Xietong/);
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.panels.length).toBeGreaterThan(10);
    for (const p of dashboard.panels)
      expect({ panel: p.title, queries: p.targets?.length ?? 0 }).not.toEqual({ panel: p.title, queries: 0 });
  });

  it('queries only metrics the gateway exports (names read from the code), and every query names one', () => {
    const exported = exportedMetricNames(root);
    const queries = (JSON.parse(text) as { panels: Panel[] }).panels.flatMap((p) =>
      (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
    );
    const named = queries.flatMap((q) => metricsInQuery(q.expr).map((m) => ({ ...q, metric: m })));
    expect(named.filter((n) => !exported.has(n.metric) && !isDefaultMetric(n.metric))).toEqual([]);
    expect(named.length).toBeGreaterThanOrEqual(queries.length);
  });
});
