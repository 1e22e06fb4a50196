// (a) Both verifiers over the same vectors: the gateway's TypeScript verifier and the
// independent Java checker (Apache Avro + Nimbus JOSE) reach each vector's stated outcome.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeConformanceVectors, type VectorSet } from '../../apps/cli/src/conformance-vectors';
import { repoPath, runChecker } from './java-checker';
import { readVectors, verifyWithTypeScript } from './vectors';

const REASONS = [
  'MALFORMED',
  'SIGNATURE_MISSING',
  'UNKNOWN_SENDER',
  'UNKNOWN_KEY',
  'KEY_NOT_VALID',
  'SIGNATURE_INVALID',
  'WRONG_RECIPIENT',
  'NOT_IN_AGREEMENT',
  'UNSUPPORTED_TYPE',
  'UNKNOWN_SCHEMA',
  'REPLAY',
];

describe('conformance vectors', () => {
  let fresh: VectorSet;
  beforeAll(async () => {
    fresh = await writeConformanceVectors(mkdtempSync(join(tmpdir(), 'xt-vectors-')));
  });

  it('cover every message type and every refusal reason of docs/wire-format.md', () => {
    const accepted = fresh.vectors.filter((v) => v.expected.outcome === 'ACCEPTED');
    expect(accepted.map((v) => v.expected.outcome === 'ACCEPTED' && v.expected.envelope.type).sort()).toEqual(
      [
        'ASSISTANCE_REQUEST',
        'AUDIT_CHECKPOINT',
        'AUDIT_COUNTERSIGN',
        'CASE_RESULT',
        'COMPLAINT',
        'COMPLAINT_RESULT',
        'ERASURE_NOTICE',
        'LEAD',
        'PING',
        'RECEIPT',
        'REMINDER',
      ].sort(),
    );
    const reasons = new Set(fresh.vectors.map((v) => v.expected.outcome === 'REFUSED' && v.expected.reasonCode));
    for (const r of REASONS) expect(reasons).toContain(r);
    const page = readFileSync(repoPath('docs/wire-format.md'), 'utf8');
    for (const r of REASONS) expect(page).toContain(`\`${r}\``);
  });

  it.each([
    ['freshly generated', () => fresh.dir],
    ['published in conformance/vectors', () => repoPath('conformance/vectors')],
  ])('%s: the TypeScript verifier reaches every stated outcome', async (_, dir) => {
    for (const v of readVectors(dir())) {
      const got = await verifyWithTypeScript(join(dir(), 'federation'), v);
      const want = v.expected.outcome === 'ACCEPTED' ? { outcome: 'ACCEPTED' } : v.expected;
      expect({ file: v.file, outcome: got.outcome, reasonCode: got.reasonCode }).toEqual({ file: v.file, ...want });
      if (v.expected.outcome === 'ACCEPTED') expect(got.body).toEqual(v.expected.body);
    }
  });

  it.each([
    ['freshly generated', () => fresh.dir],
    ['published in conformance/vectors', () => repoPath('conformance/vectors')],
  ])('%s: the Java checker reaches every stated outcome, verifies the manifest, decrypts the JWE', (_, dir) => {
    const run = runChecker(['check', dir()]);
    expect(run.failed).toEqual([]);
    expect(run.status).toBe(0);
    const vectors = readVectors(dir());
    for (const v of vectors) {
      const name = v.file.replace('.json', '');
      const line =
        v.expected.outcome === 'ACCEPTED' ? `ok ${name}: accepted` : `ok ${name}: refused ${v.expected.reasonCode}`;
      expect(run.ok.some((l) => l.startsWith(line))).toBe(true);
    }
    expect(run.ok).toEqual(
      expect.arrayContaining([
        'ok manifest: Nimbus verifies the zone authority signature',
        expect.stringMatching(/valid-complaint: Nimbus X25519Decrypter reads the complainant/),
      ]),
    );
  });

  it('the Java checker fails a vector whose expectation it does not reach', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xt-vectors-bad-'));
    cpSync(fresh.dir, dir, { recursive: true });
    const file = join(dir, 'records', readVectors(dir).find((v) => v.name === 'wrong-recipient')!.file);
    const v = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...v, receiver: '320500' }));
    const run = runChecker(['check', dir]);
    expect(run.status).toBe(1);
    expect(run.failed).toEqual([expect.stringContaining('wrong-recipient: refused WRONG_RECIPIENT, Java accepted it')]);
  });
});
