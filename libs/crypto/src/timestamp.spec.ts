import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTsa, type TestTsa } from '@xietong/testing';
import { requestTimestamp, verifyTimestamp } from './timestamp';

describe('RFC 3161 timestamps from a real TSA (openssl ts behind tools/tsa)', () => {
  let tsa: TestTsa;
  let other: TestTsa;
  beforeAll(async () => {
    [tsa, other] = await Promise.all([startTsa(), startTsa()]);
  }, 60_000);
  afterAll(async () => {
    await tsa?.close();
    await other?.close();
  });
  const data = Buffer.from('an archive manifest');
  const digest = createHash('sha256').update(data).digest();

  it('gets a token over a digest that our code and openssl ts -verify both accept', async () => {
    const before = Date.now();
    const tsr = await requestTimestamp(tsa.url, data);
    const info = await verifyTimestamp(tsr, data, readFileSync(tsa.certFile, 'utf8'));
    expect(info.genTime.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(info.genTime.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    const file = join(tsa.dir, 'token.tsr');
    writeFileSync(file, tsr);
    const out = execFileSync(
      'openssl',
      ['ts', '-verify', '-digest', digest.toString('hex'), '-in', file, '-CAfile', tsa.certFile],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out).toContain('Verification: OK');
  });

  it('refuses a token over another digest', async () => {
    const tsr = await requestTimestamp(tsa.url, data);
    const wrong = Buffer.from('something else');
    await expect(verifyTimestamp(tsr, wrong, readFileSync(tsa.certFile, 'utf8'))).rejects.toMatchObject({
      code: 'TIMESTAMP_INVALID',
      message: expect.stringContaining('imprint is not the digest'),
    });
  });

  it('refuses a token signed by another TSA than the configured one', async () => {
    const tsr = await requestTimestamp(other.url, data);
    await expect(verifyTimestamp(tsr, data, readFileSync(tsa.certFile, 'utf8'))).rejects.toMatchObject({
      code: 'TIMESTAMP_INVALID',
      message: expect.stringContaining('does not verify with the TSA certificate'),
    });
  });

  it('refuses a token whose signed content was altered', async () => {
    const tsr = await requestTimestamp(tsa.url, data);
    // The genTime digits sit inside the signed TSTInfo: change one.
    const at = tsr.indexOf(Buffer.from(String(new Date().getUTCFullYear())));
    const edited = Buffer.from(tsr);
    edited[at + 3] ^= 0x01;
    await expect(verifyTimestamp(edited, data, readFileSync(tsa.certFile, 'utf8'))).rejects.toMatchObject({
      code: 'TIMESTAMP_INVALID',
    });
  });

  it('says TSA_UNAVAILABLE when the TSA cannot be reached', async () => {
    await expect(requestTimestamp('http://127.0.0.1:9/', data, 2_000)).rejects.toMatchObject({
      code: 'TSA_UNAVAILABLE',
    });
  });
});
