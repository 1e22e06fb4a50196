import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wireExample } from './wire-example';

const doc = readFileSync(join(__dirname, '../../../docs/wire-format.md'), 'utf8');
const unwrap = (text: string) => text.replace(/\n/g, '');

describe('worked example of docs/wire-format.md', () => {
  it('matches what the code produces byte for byte', async () => {
    const ex = await wireExample();
    expect(unwrap(doc)).toContain(ex.valueHex);
    expect(unwrap(doc)).toContain(ex.bodyHex);
    expect(doc).toContain(ex.jws);
    expect(doc).toContain(ex.signingInput);
    expect(doc).toContain(ex.bodySchemaSha256);
    expect(doc).toContain(`fingerprint \`${ex.envelopeRabin}\``);
  });

  it('has a signature that OpenSSL verifies independently over the rebuilt signing input', async () => {
    const ex = await wireExample();
    const dir = mkdtempSync(join(tmpdir(), 'xt-wire-'));
    writeFileSync(
      join(dir, 'pub.pem'),
      createPublicKey({ key: ex.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }),
    );
    const [protectedHeader, , signature] = ex.jws.split('.');
    const value = Buffer.from(ex.valueHex, 'hex');
    writeFileSync(join(dir, 'input'), `${protectedHeader}.${value.toString('base64url')}`);
    writeFileSync(join(dir, 'sig'), Buffer.from(signature, 'base64url'));
    const verify = () =>
      execFileSync(
        'openssl',
        [
          'pkeyutl',
          '-verify',
          '-pubin',
          '-inkey',
          join(dir, 'pub.pem'),
          '-rawin',
          '-in',
          join(dir, 'input'),
          '-sigfile',
          join(dir, 'sig'),
        ],
        { encoding: 'utf8' },
      );
    expect(verify()).toContain('Signature Verified Successfully');
    value[value.length - 1] ^= 1;
    writeFileSync(join(dir, 'input'), `${protectedHeader}.${value.toString('base64url')}`);
    expect(verify).toThrow();
  });
});
