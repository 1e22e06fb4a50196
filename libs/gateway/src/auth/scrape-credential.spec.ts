import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScrapeCredential } from './scrape-credential';

const dir = mkdtempSync(join(tmpdir(), 'xietong-scrape-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
};
const TOKEN = '0f9e8d7c6b5a49382716a5b4c3d2e1f00f9e8d7c6b5a4938';

describe('ScrapeCredential', () => {
  it('accepts exactly the token of the file (its trailing newline aside)', () => {
    const c = new ScrapeCredential(file('ok.token', `${TOKEN}\n`));
    expect(c.configured).toBe(true);
    expect(c.matches(TOKEN)).toBe(true);
    expect(c.matches(`${TOKEN}\n`)).toBe(false);
    expect(c.matches(TOKEN.slice(0, -1))).toBe(false);
    expect(c.matches(`${TOKEN}0`)).toBe(false);
    expect(c.matches('')).toBe(false);
  });

  it('accepts nothing when no file is configured', () => {
    const c = new ScrapeCredential(undefined);
    expect(c.configured).toBe(false);
    expect(c.matches('')).toBe(false);
    expect(c.matches(TOKEN)).toBe(false);
  });

  it.each([
    ['a missing file', join(dir, 'missing.token'), /cannot read XIETONG_METRICS_TOKEN_FILE .*missing\.token/],
    ['a short token', file('short.token', 'too-short\n'), /XIETONG_METRICS_TOKEN_FILE .* at least 32 printable/],
    ['an empty file', file('empty.token', '\n'), /at least 32 printable/],
    ['two tokens', file('two.token', `${TOKEN} ${TOKEN}\n`), /without spaces/],
    [
      'a file others may read',
      (() => {
        const f = file('shared.token', `${TOKEN}\n`);
        chmodSync(f, 0o644);
        return f;
      })(),
      /XIETONG_METRICS_TOKEN_FILE .*shared\.token is readable by group or others \(mode 0644\): run chmod 600/,
    ],
  ])('refuses %s with CONFIG_INVALID naming the variable', (_, path, message) => {
    let error: unknown;
    try {
      new ScrapeCredential(path);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(message) });
  });
});
