// Checks that a script left the checkout as it found it: the native modules under node_modules
// (a rebuild for another Node version breaks `npm run demo`), the git status, and that the
// repository's own Node can still open a SQLite database with the checkout's better-sqlite3.
//
//   const before = snapshotCheckout(repo);  ...  const problems = checkoutProblems(repo, before);
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every *.node file under node_modules (symlinks not followed) with its SHA-256, and `git status`. */
export function snapshotCheckout(repo) {
  const natives = new Map();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.node'))
        natives.set(p, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(join(repo, 'node_modules'));
  return { natives, status: gitStatus(repo) };
}

/** What differs from `before`, plus a failure to open SQLite from the checkout; empty when intact. */
export function checkoutProblems(repo, before) {
  const after = snapshotCheckout(repo);
  const problems = [];
  for (const [p, sum] of before.natives) {
    if (!after.natives.has(p)) problems.push(`${p} was removed`);
    else if (after.natives.get(p) !== sum)
      problems.push(`${p} was rewritten (sha256 ${sum} -> ${after.natives.get(p)})`);
  }
  for (const p of after.natives.keys()) if (!before.natives.has(p)) problems.push(`${p} was added`);
  if (after.status !== before.status)
    problems.push(`git status changed:\n--- before\n${before.status}--- after\n${after.status}`);
  const sqlite = openSqlite(repo);
  if (sqlite) problems.push(sqlite);
  return problems;
}

function gitStatus(repo) {
  // Not a git checkout (an unpacked tarball, the Docker build context): nothing to compare.
  if (!existsSync(join(repo, '.git'))) return '';
  return execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' });
}

// In a child process of the Node running this script (the repository's Node): a module built
// for another Node either throws (NODE_MODULE_VERSION) or may crash the process outright.
function openSqlite(repo) {
  const dir = mkdtempSync(join(tmpdir(), 'xt-guard-'));
  const code = `
    const Database = require('module').createRequire(${JSON.stringify(join(repo, 'package.json'))})('better-sqlite3');
    const db = new Database(${JSON.stringify(join(dir, 'guard.sqlite'))});
    db.exec('CREATE TABLE t (v TEXT)');
    db.prepare('INSERT INTO t VALUES (?)').run('ok');
    if (db.prepare('SELECT v FROM t').get().v !== 'ok') throw new Error('read back the wrong value');
    db.close();`;
  try {
    execFileSync(process.execPath, ['-e', code], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return undefined;
  } catch (e) {
    const lines = (e.stderr || e.message).trim().split('\n');
    const first = Math.max(
      0,
      lines.findIndex((l) => /Error\b/.test(l)),
    );
    const why = lines.slice(first, first + 6).join('\n');
    return `Node ${process.version} cannot open a SQLite database with the checkout's better-sqlite3:\n${why}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
