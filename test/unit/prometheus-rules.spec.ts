import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { exportedMetricNames, isDefaultMetric, metricsInQuery } from '../support/exported-metrics';
import { overrideAlerts } from '../network/alert-overrides';

const root = join(__dirname, '../..');
const rulesFile = join(root, 'deploy/prometheus/alerts.yml');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  annotations: Record<string, string>;
}

const rules = (parse(readFileSync(rulesFile, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);

/** promtool from Debian's prometheus package, installed by scripts/network-deps.sh where missing. */
function promtool(): string {
  if (spawnSync('promtool', ['--version']).status !== 0)
    execFileSync('bash', [join(root, 'scripts/network-deps.sh')], { stdio: 'inherit' });
  return 'promtool';
}

describe('the alert rules of deploy/prometheus/alerts.yml', () => {
  it('are valid rules and pass their promtool unit tests (deploy/prometheus/tests)', () => {
    const tool = promtool();
    const check = spawnSync(tool, ['check', 'rules', rulesFile], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toContain('SUCCESS');
    const test = spawnSync(tool, ['test', 'rules', 'alerts.test.yml'], {
      cwd: join(root, 'deploy/prometheus/tests'),
      encoding: 'utf8',
    });
    expect({ status: test.status, output: test.stdout + test.stderr }).toEqual({
      status: 0,
      output: expect.stringContaining('SUCCESS'),
    });
  }, 180_000);

  it('are all covered by a promtool test', () => {
    const tests = readFileSync(join(root, 'deploy/prometheus/tests/alerts.test.yml'), 'utf8');
    expect(rules.map((r) => r.alert).filter((a) => !tests.includes(`alertname: ${a}\n`))).toEqual([]);
  });

  it('each carry a summary in English and in Chinese, and a runbook link to a section of docs/operations.md', () => {
    const ops = readFileSync(join(root, 'docs/operations.md'), 'utf8');
    const anchors = new Set([...ops.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]));
    for (const r of rules) {
      expect({ alert: r.alert, summary: /[A-Za-z]{3}/.test(r.annotations.summary ?? '') }).toEqual({
        alert: r.alert,
        summary: true,
      });
      expect({ alert: r.alert, zh: /[\u4e00-\u9fff]/.test(r.annotations.summary_zh ?? '') }).toEqual({
        alert: r.alert,
        zh: true,
      });
      const anchor = `alert-${r.alert.toLowerCase()}`;
      expect(r.annotations.runbook_url).toBe(`docs/operations.md#${anchor}`);
      expect({ alert: r.alert, documented: anchors.has(anchor) }).toEqual({ alert: r.alert, documented: true });
    }
  });

  it('name only metrics the gateway exports', () => {
    const exported = exportedMetricNames(root);
    const unknown = rules.flatMap((r) =>
      metricsInQuery(r.expr)
        .filter((m) => !exported.has(m) && !isDefaultMetric(m))
        .map((m) => `${r.alert}: ${m}`),
    );
    expect(unknown).toEqual([]);
    expect(metricsInQuery('sum by (agency) (rate(xietong_nope_total{status="x"}[5m])) > 0')).toEqual([
      'xietong_nope_total',
    ]);
  });

  it('are shortened for tests only through an override that fails when what it replaces is gone', () => {
    const shortened = parse(
      overrideAlerts(rulesFile, { XietongPartnerSilent: { for: '5s', replace: [['> 1800', '> 20']] } }),
    ) as { groups: { rules: Rule[] }[] };
    const silent = shortened.groups.flatMap((g) => g.rules).find((r) => r.alert === 'XietongPartnerSilent')!;
    expect(silent.for).toBe('5s');
    expect(silent.expr).toContain('> 20');
    expect(() => overrideAlerts(rulesFile, { XietongPartnerSilent: { replace: [['> 99999', '> 1']] } })).toThrow(
      /not in its expression/,
    );
    expect(() => overrideAlerts(rulesFile, { NoSuchAlert: { for: '1s' } })).toThrow(/no such alerts/);
  });
});
