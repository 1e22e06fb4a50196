// (e) The worked example of docs/wire-format.md, read from the page itself by the Java checker:
// decoded with Apache Avro's BinaryMessageDecoder and verified with Nimbus JOSE.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath, runChecker } from './java-checker';

describe('worked example of docs/wire-format.md, checked by Apache Avro and Nimbus JOSE', () => {
  it('decodes, matches the stated fields and verifies', () => {
    const run = runChecker(['example', repoPath('docs/wire-format.md'), repoPath('schemas')]);
    expect(run.failed).toEqual([]);
    expect(run.status).toBe(0);
    expect(run.ok).toEqual(
      expect.arrayContaining([
        expect.stringContaining('BinaryMessageDecoder decodes the record value'),
        expect.stringContaining('Nimbus Ed25519Verifier verifies the detached JWS'),
        expect.stringContaining('body decodes to the page'),
      ]),
    );
  });

  it('fails on a page whose record value carries another header fingerprint', () => {
    const page = readFileSync(repoPath('docs/wire-format.md'), 'utf8');
    const value = /Record value[^`]*`c3 01`[\s\S]*?```\n([0-9a-f\n]+)```/.exec(page)![1];
    // The CRC-64-AVRO of the full name alone (what 0.1.0 wrote): the standard decoder refuses it.
    const oldHeader = value.replace(/^c301[0-9a-f]{16}/, 'c30143b4d67bff731619');
    const dir = mkdtempSync(join(tmpdir(), 'xt-example-'));
    writeFileSync(join(dir, 'wire-format.md'), page.replace(value, oldHeader));
    const run = runChecker(['example', join(dir, 'wire-format.md'), repoPath('schemas')]);
    expect(run.status).toBe(1);
    expect(run.failed).toEqual(
      expect.arrayContaining([expect.stringContaining('BinaryMessageDecoder decodes the record value')]),
    );
  });
});
