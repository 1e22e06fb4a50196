import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** A service that queries the database itself: what CONTRIBUTING.md's data-access rule forbids. */
const QUERYING_SERVICE = `
import { DataSource } from 'typeorm';
export async function count(ds: DataSource): Promise<number> {
  const rows = await ds.manager.query('SELECT COUNT(*) AS n FROM message');
  await ds.createQueryBuilder().select('1').getRawOne();
  return Number(rows[0].n);
}
`;

interface Finding {
  file: string;
  rule: string | null;
  message: string;
}

/**
 * Lints the snippet as if it were each of `files`, with the repository's eslint.config.mjs, through
 * ESLint's API in a child process (the config is an ES module, which jest's CommonJS runtime cannot
 * load). Type-aware rules are off: a file that does not exist has no TypeScript program.
 */
function lint(code: string, files: string[]): Finding[] {
  const script = `
    import { ESLint } from 'eslint';
    const eslint = new ESLint({
      cwd: process.cwd(),
      overrideConfig: {
        languageOptions: { parserOptions: { projectService: false } },
        rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
      },
    });
    const code = ${JSON.stringify(code)};
    const found = [];
    for (const filePath of ${JSON.stringify(files)}) {
      for (const result of await eslint.lintText(code, { filePath }))
        for (const m of result.messages) found.push({ file: filePath, rule: m.ruleId, message: m.message });
    }
    console.log(JSON.stringify(found));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out) as Finding[];
}

describe('development helpers only in apps/demo, apps/cli, apps/bench and tests (eslint.config.mjs)', () => {
  it('refuses @xietong/dev in the production libs and apps, and takes it in the dev apps', () => {
    const code = "import { startLocalKafka } from '@xietong/dev';\nexport const start = startLocalKafka;\n";
    const files = ['libs/exchange/src/fixture.ts', 'apps/gateway/src/fixture.ts', 'apps/demo/src/fixture.ts'];
    const rules = (file: string, found: Finding[]) => found.filter((f) => f.file === file).map((f) => f.rule);
    const found = lint(code, files);
    expect(rules(files[0], found)).toEqual(['no-restricted-imports']);
    expect(rules(files[1], found)).toEqual(['no-restricted-imports']);
    expect(rules(files[2], found)).toEqual([]);
  }, 120_000);
});

describe('data access only in libs/persistence (eslint.config.mjs)', () => {
  const service = 'libs/exchange/src/outbound/fixture.service.ts';
  const controller = 'libs/gateway/src/http/fixture.controller.ts';
  const app = 'apps/relay/src/fixture.ts';
  const repository = 'libs/persistence/src/fixture.repository.ts';
  const naiveBench = 'apps/bench/src/naive-fixture.ts';
  let findings: Finding[];

  beforeAll(() => {
    findings = lint(QUERYING_SERVICE, [service, controller, app, repository, naiveBench]);
  }, 120_000);

  const rulesIn = (file: string) => findings.filter((f) => f.file === file).map((f) => f.rule);

  it('refuses the typeorm import and every query call outside libs/persistence', () => {
    for (const file of [service, controller, app]) {
      expect(rulesIn(file).sort()).toEqual([
        'no-restricted-imports', // typeorm
        'no-restricted-syntax', // .createQueryBuilder(
        'no-restricted-syntax', // .manager
        'no-restricted-syntax', // .query(
      ]);
    }
    const messages = findings.filter((f) => f.file === service).map((f) => f.message);
    expect(messages.every((m) => m.includes('libs/persistence'))).toBe(true);
  });

  it('allows them inside libs/persistence and in the naive bench baseline', () => {
    expect(rulesIn(repository)).toEqual([]);
    expect(rulesIn(naiveBench)).toEqual([]);
  });
});
