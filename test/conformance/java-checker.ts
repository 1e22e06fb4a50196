// Builds and runs the independent Java checker of conformance/java. Its jars come from Maven
// Central through conformance/java/pom.xml (`mvn dependency:copy-dependencies`, as
// scripts/kafka.mjs does for the broker) and are cached in .conformance/lib; the classes are
// compiled with javac into .conformance/classes. Both are rebuilt only when their inputs change.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(__dirname, '../..');
const javaDir = join(repo, 'conformance/java');
const cache = join(repo, '.conformance');
const libDir = join(cache, 'lib');
const classesDir = join(cache, 'classes');
const sourceDir = join(javaDir, 'src/main/java/xietong/conformance');

const digest = (files: string[]) => {
  const h = createHash('sha256');
  for (const f of files) h.update(f).update(readFileSync(f));
  return h.digest('hex');
};

function upToDate(stampFile: string, stamp: string): boolean {
  return existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp;
}

/** Resolves the jars and compiles the checker if needed; returns the class path. */
export function buildChecker(): string {
  const pom = join(javaDir, 'pom.xml');
  const libStamp = digest([pom]);
  if (!upToDate(join(libDir, '.resolved'), libStamp)) {
    rmSync(libDir, { recursive: true, force: true });
    mkdirSync(libDir, { recursive: true });
    const mvn = spawnSync(
      'mvn',
      ['-q', '-B', '-Dstyle.color=never', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${libDir}`],
      { encoding: 'utf8' },
    );
    if (mvn.status !== 0) throw new Error(`mvn dependency:copy-dependencies failed:\n${mvn.stdout}${mvn.stderr}`);
    writeFileSync(join(libDir, '.resolved'), libStamp);
  }
  const sources = readdirSync(sourceDir)
    .filter((f) => f.endsWith('.java'))
    .sort()
    .map((f) => join(sourceDir, f));
  const classStamp = digest([pom, ...sources]);
  if (!upToDate(join(classesDir, '.compiled'), classStamp)) {
    rmSync(classesDir, { recursive: true, force: true });
    mkdirSync(classesDir, { recursive: true });
    const javac = spawnSync(
      'javac',
      ['-encoding', 'UTF-8', '--release', '17', '-d', classesDir, '-cp', `${libDir}/*`, ...sources],
      { encoding: 'utf8' },
    );
    if (javac.status !== 0) throw new Error(`javac failed:\n${javac.stdout}${javac.stderr}`);
    writeFileSync(join(classesDir, '.compiled'), classStamp);
  }
  return `${classesDir}:${libDir}/*`;
}

export interface CheckerRun {
  status: number;
  stdout: string;
  stderr: string;
  /** Lines "ok ..." / "FAIL ..." of the run. */
  ok: string[];
  failed: string[];
}

/** Runs one checker command (see Checker.java) and returns its output. */
export function runChecker(args: string[]): CheckerRun {
  const classPath = buildChecker();
  const run = spawnSync(
    'java',
    ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', classPath, 'xietong.conformance.Checker', ...args],
    {
      encoding: 'utf8',
      cwd: repo,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const lines = run.stdout.split('\n');
  return {
    status: run.status ?? -1,
    stdout: run.stdout,
    stderr: run.stderr,
    ok: lines.filter((l) => l.startsWith('ok ')),
    failed: lines.filter((l) => l.startsWith('FAIL ')),
  };
}

export const repoPath = (...parts: string[]) => join(repo, ...parts);
