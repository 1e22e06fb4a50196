import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEncryptionKey, generateSigningKey } from '@xietong/crypto';
import { LocalKeys } from './local-keys';

describe('LocalKeys.load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xt-keys-'));
  let signing: string;
  let encryption: string;
  beforeAll(async () => {
    signing = join(dir, 'signing.private.jwk.json');
    encryption = join(dir, 'encryption.private.jwk.json');
    writeFileSync(signing, JSON.stringify((await generateSigningKey('EdDSA', 'jd-sig-1')).privateJwk), { mode: 0o600 });
    writeFileSync(encryption, JSON.stringify((await generateEncryptionKey('jd-enc-1')).privateJwk), { mode: 0o600 });
  });

  it('loads private keys only their owner can read', async () => {
    const keys = await LocalKeys.load(signing, encryption);
    expect([keys.signer.kid, keys.decryptionKid]).toEqual(['jd-sig-1', 'jd-enc-1']);
  });

  it.each([
    ['signing', 'XIETONG_SIGNING_KEY_FILE'],
    ['encryption', 'XIETONG_ENCRYPTION_KEY_FILE'],
  ])('refuses a group- or world-readable %s key, naming the file and chmod 600', async (which, variable) => {
    const file = which === 'signing' ? signing : encryption;
    chmodSync(file, 0o644);
    try {
      await expect(LocalKeys.load(signing, encryption)).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: `${variable} ${file} is readable by group or others (mode 0644): run chmod 600 ${file}`,
      });
    } finally {
      chmodSync(file, 0o600);
    }
  });
});
