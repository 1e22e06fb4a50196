import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// What a design document claims is only as good as the tests it names: docs/threat-model.md (and
// the compliance map after it) cite test files, and this reads those citations so that a spec
// fails when a document names a file that is not there, or a test title the file does not hold.

/** One test file a markdown document cites. */
export interface TestReference {
  /** Path from the repository root, as written between backticks. */
  path: string;
  /** Fragments of `describe`/`it` titles quoted right after the path: `` `path`: "a", "b" ``. */
  titles: string[];
  /** 1-based line in the markdown file. */
  line: number;
}

/** A heading of the document. */
export interface Heading {
  level: number;
  text: string;
  line: number;
}

/** One body row of a markdown table, with the test references in its cells. */
export interface TableRow {
  line: number;
  cells: string[];
  references: TestReference[];
}

export interface DocTestReferences {
  /** Every cited test path, in prose and tables (fenced code blocks are not read). */
  references: TestReference[];
  headings: Heading[];
  rows: TableRow[];
  /** Backticked test file names that are not a path from the root (`audit.test.ts`). */
  shortNames: { name: string; line: number }[];
}

/** A section of the document with the table rows under its heading (its subsections' included). */
export interface Section {
  heading: string;
  line: number;
  rows: TableRow[];
}

// `test/...`, `libs/...` or `apps/...` ending in .ts, .js or .mjs between backticks, optionally
// followed by `: "title fragment", "another"`.
const REFERENCE = /`((?:test|libs|apps)\/[\w@./-]+\.(?:ts|js|mjs))`(:\s*"[^"]+"(?:\s*,\s*"[^"]+")*)?/g;
const SHORT_NAME = /`(?!(?:test|libs|apps)\/)([\w./-]*\.(?:test|spec)\.(?:ts|js))`/g;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;
const SEPARATOR = /^\|?(\s*:?-{3,}:?\s*\|)*\s*:?-{3,}:?\s*\|?$/;

/** The test references, headings and table rows of a markdown file. */
export function readDocTestReferences(markdownPath: string): DocTestReferences {
  return parseDocTestReferences(readFileSync(markdownPath, 'utf8'));
}

/** The test paths a markdown file cites, each once, in the order of first citation. */
export function testPathsOf(markdownPath: string): string[] {
  return [...new Set(readDocTestReferences(markdownPath).references.map((r) => r.path))];
}

export function parseDocTestReferences(markdown: string): DocTestReferences {
  const doc: DocTestReferences = { references: [], headings: [], rows: [], shortNames: [] };
  const lines = markdown.split('\n');
  let fenced = false;
  lines.forEach((text, i) => {
    const line = i + 1;
    if (FENCE.test(text)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const heading = HEADING.exec(text);
    if (heading) {
      doc.headings.push({ level: heading[1].length, text: heading[2], line });
      return;
    }
    const references = referencesIn(text, line);
    doc.references.push(...references);
    for (const m of text.matchAll(SHORT_NAME)) doc.shortNames.push({ name: m[1], line });
    // A table: a header row, a separator row, then its body rows.
    if (isRow(text) && !SEPARATOR.test(text.trim()) && inTableBody(lines, i))
      doc.rows.push({ line, cells: cellsOf(text), references });
  });
  return doc;
}

function isRow(text: string): boolean {
  return text.trimStart().startsWith('|');
}

/** Whether line `i` is below the separator of the table it belongs to. */
function inTableBody(lines: string[], i: number): boolean {
  for (let j = i - 1; j >= 0 && isRow(lines[j]); j--) if (SEPARATOR.test(lines[j].trim())) return true;
  return false;
}

function referencesIn(text: string, line: number): TestReference[] {
  return [...text.matchAll(REFERENCE)].map((m) => ({
    path: m[1],
    titles: [...(m[2] ?? '').matchAll(/"([^"]+)"/g)].map((t) => t[1]),
    line,
  }));
}

function cellsOf(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());
}

/**
 * What is wrong with a document's citations, one line each: a path that does not exist under
 * `root`, a quoted title fragment its file does not contain, a test named by its bare file name
 * (which nothing can check).
 */
export function referenceProblems(doc: DocTestReferences, root: string, name = 'the document'): string[] {
  const problems: string[] = [];
  for (const r of doc.references) {
    const file = join(root, r.path);
    if (!existsSync(file)) {
      problems.push(`${name}:${r.line} cites ${r.path}, which does not exist`);
      continue;
    }
    const source = readFileSync(file, 'utf8');
    for (const title of r.titles)
      if (!source.includes(title))
        problems.push(`${name}:${r.line} cites "${title}" in ${r.path}, which has no such test`);
  }
  for (const s of doc.shortNames)
    problems.push(`${name}:${s.line} names ${s.name}: cite a test by its path from the repository root`);
  return problems;
}

/** The sections one level below the heading `parent`, each with the table rows under it. */
export function sectionsUnder(doc: DocTestReferences, parent: string): Section[] {
  const at = doc.headings.findIndex((h) => h.text === parent);
  if (at < 0) return [];
  const level = doc.headings[at].level;
  const end = doc.headings.slice(at + 1).find((h) => h.level <= level)?.line ?? Infinity;
  const children = doc.headings.filter((h, i) => i > at && h.line < end && h.level === level + 1);
  return children.map((h, i) => {
    const until = Math.min(children[i + 1]?.line ?? end, end);
    return { heading: h.text, line: h.line, rows: doc.rows.filter((r) => r.line > h.line && r.line < until) };
  });
}
