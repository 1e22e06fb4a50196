import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkoutProblems, snapshotCheckout } from '../../scripts/checkout-guard.mjs';

// The check the Node 22 smoke runs on the checkout afterwards (npm run demo broke when the smoke
// rebuilt the checkout's better-sqlite3 for Node 22). Each case builds a small checkout of its own:
// a git repository whose node_modules holds a native module and a better-sqlite3, the real one
// (linked) or one that fails to load as a module built for another Node does.
const realBetterSqlite3 = dirname(require.resolve('better-sqlite3/package.json'));
let repo: string;

function checkout(betterSqlite3: 'real' | 'foreign'): string {
  const dir = mkdtempSync(join(tmpdir(), 'xt-guard-spec-'));
  writeFileSync(join(dir, 'package.json'), '{"private":true}');
  mkdirSync(join(dir, 'node_modules', 'addon', 'build', 'Release'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'addon', 'build', 'Release', 'addon.node'), 'built for Node 20');
  if (betterSqlite3 === 'real') symlinkSync(realBetterSqlite3, join(dir, 'node_modules', 'better-sqlite3'));
  else {
    mkdirSync(join(dir, 'node_modules', 'better-sqlite3'));
    writeFileSync(join(dir, 'node_modules', 'better-sqlite3', 'package.json'), '{"name":"better-sqlite3"}');
    writeFileSync(
      join(dir, 'node_modules', 'better-sqlite3', 'index.js'),
      "throw new Error('was compiled against a different Node.js version using NODE_MODULE_VERSION 127');",
    );
  }
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\n');
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('checkout guard', () => {
  it('finds nothing wrong when the checkout is as it was and SQLite opens', () => {
    repo = checkout('real');
    const before = snapshotCheckout(repo);
    expect([...before.natives.keys()]).toEqual([join(repo, 'node_modules/addon/build/Release/addon.node')]);
    expect(checkoutProblems(repo, before)).toEqual([]);
  });

  it('reports a native module rewritten, one removed and one added', () => {
    repo = checkout('real');
    const before = snapshotCheckout(repo);
    writeFileSync(join(repo, 'node_modules/addon/build/Release/addon.node'), 'built for Node 22');
    writeFileSync(join(repo, 'node_modules/addon/build/Release/extra.node'), 'new');
    const problems = checkoutProblems(repo, before);
    expect(problems).toEqual([
      expect.stringMatching(/addon\.node was rewritten \(sha256 [0-9a-f]{64} -> [0-9a-f]{64}\)$/),
      expect.stringMatching(/extra\.node was added$/),
    ]);
    unlinkSync(join(repo, 'node_modules/addon/build/Release/addon.node'));
    expect(checkoutProblems(repo, before)[0]).toMatch(/addon\.node was removed$/);
  });

  it('reports a changed git status', () => {
    repo = checkout('real');
    const before = snapshotCheckout(repo);
    writeFileSync(join(repo, 'left-behind.txt'), '');
    expect(checkoutProblems(repo, before)).toEqual([expect.stringContaining('?? left-behind.txt')]);
  });

  it("reports that the repository's Node cannot open SQLite, with the loader's reason", () => {
    repo = checkout('foreign');
    const problems = checkoutProblems(repo, snapshotCheckout(repo));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^Node v\d+\.\d+\.\d+ cannot open a SQLite database with the checkout's better-sqlite3:/,
    );
    expect(problems[0]).toContain('NODE_MODULE_VERSION 127');
  });
});
