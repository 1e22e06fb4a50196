import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGatewayConfig } from '@xietong/config';
import { FederationWait } from './federation-wait';

describe('FederationWait.needed', () => {
  const base = mkdtempSync(join(tmpdir(), 'xt-fedwait-'));
  const missingDir = join(base, 'not-yet');

  it('waits when the directory does not exist and the files were to be in it', () => {
    const config = loadGatewayConfig({
      XIETONG_AGENCY_ID: '341825',
      XIETONG_DEVELOPMENT: 'true',
      XIETONG_FEDERATION_DIR: missingDir,
    });
    expect(FederationWait.needed(config)).toBe(true);
  });

  it('does not wait when every file is named on its own and present (mounted secrets)', () => {
    const file = (name: string) => {
      writeFileSync(join(base, name), '{}');
      return join(base, name);
    };
    const config = loadGatewayConfig({
      XIETONG_AGENCY_ID: '341825',
      XIETONG_DEVELOPMENT: 'true',
      XIETONG_FEDERATION_DIR: missingDir,
      XIETONG_MANIFEST_FILE: file('manifest'),
      XIETONG_AUTHORITY_KEY_FILE: file('authority'),
      XIETONG_SIGNING_KEY_FILE: file('signing'),
      XIETONG_ENCRYPTION_KEY_FILE: file('encryption'),
      XIETONG_AUTH_JWKS_FILE: file('jwks'),
    });
    expect(FederationWait.needed(config)).toBe(false);
  });

  it('does not wait when the directory exists: a file missing in it is a configuration error', () => {
    const config = loadGatewayConfig({
      XIETONG_AGENCY_ID: '341825',
      XIETONG_DEVELOPMENT: 'true',
      XIETONG_FEDERATION_DIR: base,
    });
    expect(FederationWait.needed(config)).toBe(false);
  });
});
