// The single-object header and the catalog fingerprints, against Apache Avro's own
// SchemaNormalization (computed by the Java checker at test time), for every schema we ship.
import { readdirSync, readFileSync } from 'node:fs';
import { fingerprintOf, parseSchema, parsingCanonicalForm, rabinFingerprintOf } from '@xietong/contracts';
import { repoPath, runChecker } from './java-checker';

const files = readdirSync(repoPath('schemas'))
  .filter((f) => f.endsWith('.avsc'))
  .sort();

describe('schema fingerprints agree with Apache Avro 1.12 (SchemaNormalization)', () => {
  const run = runChecker(['fingerprints', ...files.map((f) => repoPath('schemas', f))]);
  const java = new Map(
    run.stdout
      .split('\n')
      .filter((l) => l.includes('\t'))
      .map((l) => {
        const [file, rabin, sha256, canonical] = l.split('\t');
        return [file, { rabin, sha256, canonical }];
      }),
  );

  it('the checker fingerprinted every schema', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect([...java.keys()].sort()).toEqual(files);
  });

  it.each(files)('%s: Parsing Canonical Form, CRC-64-AVRO and SHA-256', (file) => {
    const type = parseSchema(JSON.parse(readFileSync(repoPath('schemas', file), 'utf8')));
    const expected = java.get(file)!;
    expect(parsingCanonicalForm(type)).toBe(expected.canonical);
    expect(rabinFingerprintOf(type).toString('hex')).toBe(expected.rabin);
    expect(fingerprintOf(type)).toBe(expected.sha256);
  });

  it('tells apart two records that differ only in a field type', () => {
    const a = parseSchema({ type: 'record', name: 'x.R', fields: [{ name: 'f', type: 'int' }] });
    const b = parseSchema({ type: 'record', name: 'x.R', fields: [{ name: 'f', type: 'long' }] });
    expect(rabinFingerprintOf(a).equals(rabinFingerprintOf(b))).toBe(false);
  });
});
