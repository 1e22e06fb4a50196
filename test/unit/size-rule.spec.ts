// The size rule (eslint.size.mjs, part of eslint.config.mjs; issue #22): a library, CLI, demo or bench
// source file over 500 lines, or a function over 150, fails `npm run lint`; specs and migrations do
// not count. Lints text placed at real paths with ESLint's command line (jest cannot load the ESM
// config in-process) and a configuration holding only that very rule block and the TypeScript parser
// (the type-aware rest of the repository's configuration takes minutes to load).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'xt-size-rule-'));
const config = join(dir, 'eslint.config.mjs');
const url = (p: string) => pathToFileURL(join(root, p)).href;
writeFileSync(
  config,
  [
    `import { sizeRule } from ${JSON.stringify(url('eslint.size.mjs'))};`,
    `import tseslint from ${JSON.stringify(url('node_modules/typescript-eslint/dist/index.js'))};`,
    `const basePath = ${JSON.stringify(root)};`,
    `export default [`,
    `  { basePath, files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },`,
    `  { basePath, ...sizeRule },`,
    `];`,
  ].join('\n'),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fn = (name: string, lines: number) =>
  `export function ${name}(): number {\n  let n = 0;\n${'  n += 1;\n'.repeat(lines)}  return n;\n}\n`;

function sizeErrors(path: string, text: string): string[] {
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'),
      '--no-config-lookup',
      '--config',
      config,
      '--stdin',
      '--stdin-filename',
      path,
      '--format',
      'json',
    ],
    { cwd: root, input: text, encoding: 'utf8' },
  );
  if (run.status !== 0 && run.status !== 1) throw new Error(`eslint failed: ${run.stderr}`);
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null }[] }[];
  return result.messages.filter((m) => /^max-lines/.test(m.ruleId ?? '')).map((m) => m.ruleId!);
}

describe('size rule', () => {
  jest.setTimeout(60_000);

  it('fails a library function over 150 lines and passes one under it', () => {
    expect(sizeErrors('libs/workflow/src/lifecycle.ts', fn('long', 160))).toEqual(['max-lines-per-function']);
    expect(sizeErrors('libs/workflow/src/lifecycle.ts', fn('short', 140))).toEqual([]);
  });

  it('fails a CLI source file over 500 lines', () => {
    const text = Array.from({ length: 6 }, (_, i) => fn(`f${i}`, 90)).join('\n');
    expect(sizeErrors('apps/cli/src/cli.ts', text)).toEqual(['max-lines']);
  });

  it('leaves specs and migrations alone', () => {
    expect(sizeErrors('libs/workflow/src/lifecycle.spec.ts', fn('long', 160))).toEqual([]);
    expect(sizeErrors('libs/persistence/src/migrations/1765300000000-audit-witness.ts', fn('long', 160))).toEqual([]);
  });
});
