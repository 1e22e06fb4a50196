import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { securityOptions } from './kafka-client';

describe('securityOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xt-kafka-secret-'));
  const settings = (passwordFile: string) => ({
    brokers: ['127.0.0.1:9092'],
    clientId: 'x',
    security: { mechanism: 'scram-sha-512' as const, username: '341825', passwordFile },
  });

  it('reads the SCRAM password from a file only its owner can read', () => {
    const file = join(dir, 'ok.password');
    writeFileSync(file, 'pa55word\n', { mode: 0o600 });
    expect(securityOptions(settings(file)).sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: '341825',
      password: 'pa55word',
    });
  });

  it('refuses a password file others may read, naming it and chmod 600, never the password', () => {
    const file = join(dir, 'shared.password');
    writeFileSync(file, 'pa55word\n');
    chmodSync(file, 0o640);
    expect(() => securityOptions(settings(file))).toThrow(
      `KAFKA_SASL_PASSWORD_FILE ${file} is readable by group or others (mode 0640): run chmod 600 ${file}`,
    );
  });
});
