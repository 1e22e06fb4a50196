import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseDocTestReferences,
  readDocTestReferences,
  referenceProblems,
  sectionsUnder,
  testPathsOf,
} from '../support/doc-test-references';

const root = join(__dirname, '../..');

// The actors issue #21 names; "staff in each role" is one section per role.
const ACTORS = [
  /^Partner member/,
  /^Zone operator/,
  /^Zone authority/,
  /^County system/,
  /^Staff: submitter/,
  /^Staff: handler/,
  /^Staff: auditor/,
  /^Staff: admin/,
  /^Identity provider/,
  /^Database administrator/,
  /^Network attacker/,
];

describe('the checker of test paths cited by a document', () => {
  const markdown = [
    '# Title',
    'Prose cites `test/integration/a.test.ts`: "does one thing", "and another" and `libs/x/src/b.spec.ts`.',
    '```',
    '`test/integration/in-a-code-block.test.ts`',
    '```',
    '## Threats by actor',
    '### First actor',
    '| threat | control | test |',
    '|---|---|---|',
    '| one | a control | `test/unit/c.spec.ts` |',
    '| two | no test | — |',
    '### Second actor',
    'Nothing here yet; `short.test.ts` is named by its file name alone.',
    '## Known gaps',
    '| threat | why |',
    '|---|---|',
    '| three | later |',
  ].join('\n');
  const doc = parseDocTestReferences(markdown);

  it('reads backticked paths with the titles quoted after them, in prose and tables, not in code blocks', () => {
    expect(doc.references).toEqual([
      { path: 'test/integration/a.test.ts', titles: ['does one thing', 'and another'], line: 2 },
      { path: 'libs/x/src/b.spec.ts', titles: [], line: 2 },
      { path: 'test/unit/c.spec.ts', titles: [], line: 10 },
    ]);
  });

  it('gives each section under a heading its table body rows, without header and separator', () => {
    const sections = sectionsUnder(doc, 'Threats by actor');
    expect(sections.map((s) => [s.heading, s.rows.map((r) => r.cells[0])])).toEqual([
      ['First actor', ['one', 'two']],
      ['Second actor', []],
    ]);
    expect(sections[0].rows.map((r) => r.references.length)).toEqual([1, 0]);
    expect(sectionsUnder(doc, 'No such heading')).toEqual([]);
  });

  it('names a path that does not exist, a title its file lacks, and a test cited by its bare name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'doc-refs-'));
    mkdirSync(join(dir, 'test/integration'), { recursive: true });
    writeFileSync(join(dir, 'test/integration/a.test.ts'), "it('does one thing', () => {});");
    mkdirSync(join(dir, 'test/unit'), { recursive: true });
    writeFileSync(join(dir, 'test/unit/c.spec.ts'), '');
    expect(referenceProblems(doc, dir, 'x.md')).toEqual([
      'x.md:2 cites "and another" in test/integration/a.test.ts, which has no such test',
      'x.md:2 cites libs/x/src/b.spec.ts, which does not exist',
      'x.md:13 names short.test.ts: cite a test by its path from the repository root',
    ]);
  });

  it('lists the paths of a markdown file once each', () => {
    const dir = mkdtempSync(join(tmpdir(), 'doc-refs-'));
    writeFileSync(join(dir, 'x.md'), `${markdown}\nAgain \`test/unit/c.spec.ts\`.`);
    expect(testPathsOf(join(dir, 'x.md'))).toEqual([
      'test/integration/a.test.ts',
      'libs/x/src/b.spec.ts',
      'test/unit/c.spec.ts',
    ]);
  });
});

describe('docs/threat-model.md', () => {
  // Read in each test, so that a missing document fails these tests and not the checker's own.
  const threatModel = () => readDocTestReferences(join(root, 'docs/threat-model.md'));
  const actors = () => sectionsUnder(threatModel(), 'Threats by actor');

  it('cites only test files that exist, and titles those files hold', () => {
    const doc = threatModel();
    expect(doc.references.length).toBeGreaterThan(0);
    expect(referenceProblems(doc, root, 'docs/threat-model.md')).toEqual([]);
  });

  it('has a section for every actor of issue #21', () => {
    const headings = actors().map((a) => a.heading);
    expect(ACTORS.filter((a) => !headings.some((h) => a.test(h))).map(String)).toEqual([]);
  });

  it('gives every actor rows, and every row a test (a threat without one is a known gap)', () => {
    const empty = actors()
      .filter((a) => a.rows.length === 0)
      .map((a) => a.heading);
    const untested = actors().flatMap((a) =>
      a.rows.filter((r) => r.references.length === 0).map((r) => `${a.heading}, line ${r.line}: ${r.cells[0]}`),
    );
    expect({ empty, untested }).toEqual({ empty: [], untested: [] });
  });
});

// The same check for every document that cites tests, so no citation rots unseen.
const documents = [
  'README.md',
  'CONTRIBUTING.md',
  'conformance/README.md',
  ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`),
];

describe('test paths cited by the documentation', () => {
  it.each(documents.filter((f) => f.endsWith('.md')))(
    '%s cites tests by their path, and only files that exist',
    (file) => {
      expect(referenceProblems(readDocTestReferences(join(root, file)), root, file)).toEqual([]);
    },
  );
});
