import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox (webhook secrets at rest)', () => {
  it('creates its key file 0600 on first use only, and opens what it sealed', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'xt-box-')), 'keys', 'k.key');
    const box = SecretBox.open(file, 'XIETONG_WEBHOOK_KEY_FILE');
    expect(() => statSync(file)).toThrow();
    const sealed = box.seal('whsec_abc');
    expect(sealed).toMatch(/^aesgcm1\./);
    expect(sealed).not.toContain('abc');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(SecretBox.open(file, 'XIETONG_WEBHOOK_KEY_FILE').open(sealed)).toBe('whsec_abc');
  });

  it('refuses a value sealed under another key or altered, and a key file others may read', () => {
    const sealed = SecretBox.withKey(randomBytes(32)).seal('whsec_abc');
    expect(() => SecretBox.withKey(randomBytes(32)).open(sealed)).toThrow(
      /cannot be opened with this gateway's secret key/,
    );
    const file = join(mkdtempSync(join(tmpdir(), 'xt-box-')), 'k.key');
    writeFileSync(file, randomBytes(32).toString('base64'));
    chmodSync(file, 0o644);
    expect(() => SecretBox.open(file, 'XIETONG_WEBHOOK_KEY_FILE').seal('x')).toThrow(/readable by group or others/);
  });
});
