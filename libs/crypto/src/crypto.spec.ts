import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decryptJson,
  encryptJson,
  generateEncryptionKey,
  generateSigningKey,
  importKey,
  importSigningKey,
  readDetachedHeader,
  signDetached,
  sm2PublicKeyPem,
  SM2_USER_ID,
  verifyDetached,
  type Sm2Key,
} from '.';

describe.each(['EdDSA', 'ES256', 'SM2'] as const)('detached JWS with %s', (alg) => {
  const payload = Buffer.from('c30100112233445566778899', 'hex');

  it('verifies over the exact bytes and carries only alg and kid', async () => {
    const k = await generateSigningKey(alg, `k-${alg}`);
    const jws = await signDetached(payload, { kid: k.kid, alg, key: await importSigningKey(k.privateJwk) });
    expect(jws.split('.')[1]).toBe('');
    expect(readDetachedHeader(jws)).toEqual({ alg, kid: k.kid });
    await expect(verifyDetached(jws, payload, await importSigningKey(k.publicJwk), alg)).resolves.toBeUndefined();
  });

  it('fails when one byte of the payload changes', async () => {
    const k = await generateSigningKey(alg, 'k');
    const jws = await signDetached(payload, { kid: k.kid, alg, key: await importSigningKey(k.privateJwk) });
    const flipped = Buffer.from(payload);
    flipped[5] ^= 0x01;
    await expect(verifyDetached(jws, flipped, await importSigningKey(k.publicJwk), alg)).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });

  it('fails with another key', async () => {
    const k = await generateSigningKey(alg, 'k');
    const other = await generateSigningKey(alg, 'k');
    const jws = await signDetached(payload, { kid: k.kid, alg, key: await importSigningKey(k.privateJwk) });
    await expect(verifyDetached(jws, payload, await importSigningKey(other.publicJwk), alg)).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });
});

describe('readDetachedHeader', () => {
  it.each([
    ['an attached JWS', 'eyJhbGciOiJFZERTQSIsImtpZCI6ImsifQ.cGF5bG9hZA.c2ln'],
    ['garbage', 'not-a-jws'],
    ['alg none', `${Buffer.from('{"alg":"none","kid":"k"}').toString('base64url')}..`],
    ['HS256', `${Buffer.from('{"alg":"HS256","kid":"k"}').toString('base64url')}..c2ln`],
    ['no kid', `${Buffer.from('{"alg":"EdDSA"}').toString('base64url')}..c2ln`],
  ])('refuses %s', (_n, jws) => {
    expect(() => readDetachedHeader(jws)).toThrow(expect.objectContaining({ code: 'SIGNATURE_INVALID' }));
  });
});

describe('personal data JWE', () => {
  it('round-trips to the recipient key and hides the plain text', async () => {
    const k = await generateEncryptionKey('enc-1');
    const jwe = await encryptJson({ name: '张三', phone: '13812341234' }, await importKey(k.publicJwk), k.kid);
    expect(jwe).not.toContain('13812341234');
    expect(Buffer.from(jwe.split('.')[0], 'base64url').toString()).toContain('ECDH-ES+A256KW');
    await expect(decryptJson(jwe, await importKey(k.privateJwk))).resolves.toEqual({
      name: '张三',
      phone: '13812341234',
    });
  });
});

describe.each(['EdDSA', 'ES256'] as const)('detached JWS interoperability with jose (%s)', (alg) => {
  const payload = Buffer.from('single-object encoded envelope bytes');

  it('produces a JWS that jose verifies over the detached payload', async () => {
    const { flattenedVerify } = await import('jose');
    const k = await generateSigningKey(alg, 'interop');
    const jws = await signDetached(payload, { kid: k.kid, alg, key: await importKey(k.privateJwk) });
    const [p, , s] = jws.split('.');
    const result = await flattenedVerify(
      { protected: p, payload: payload.toString('base64url'), signature: s },
      await importKey(k.publicJwk),
    );
    expect(Buffer.from(result.payload).equals(payload)).toBe(true);
  });

  it('verifies a detached JWS that jose produced, and refuses it for other bytes', async () => {
    const { FlattenedSign } = await import('jose');
    const k = await generateSigningKey(alg, 'interop');
    const f = await new FlattenedSign(payload)
      .setProtectedHeader({ alg, kid: k.kid })
      .sign(await importKey(k.privateJwk));
    const jws = `${f.protected}..${f.signature}`;
    await expect(verifyDetached(jws, payload, await importKey(k.publicJwk), alg)).resolves.toBeUndefined();
    await expect(verifyDetached(jws, Buffer.from('other'), await importKey(k.publicJwk), alg)).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });

  it('refuses a key of the other algorithm', async () => {
    const k = await generateSigningKey(alg, 'k');
    const other = await generateSigningKey(alg === 'EdDSA' ? 'ES256' : 'EdDSA', 'k');
    const jws = await signDetached(payload, { kid: k.kid, alg, key: await importKey(k.privateJwk) });
    await expect(verifyDetached(jws, payload, await importKey(other.publicJwk), alg)).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });
});

/** An independent implementation: OpenSSL 3's SM2 with SM3 and the GB/T default user ID. */
describe('SM2 detached JWS interoperability with OpenSSL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xt-sm2-'));
  const file = (name: string, data?: string | Buffer) => {
    const f = join(dir, name);
    if (data !== undefined) writeFileSync(f, data);
    return f;
  };
  const openssl = (args: string[]) => {
    try {
      return { ok: true, out: execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }) };
    } catch (e) {
      return { ok: false, out: Buffer.from(String((e as Error).message)) };
    }
  };
  const sm2Args = ['-rawin', '-digest', 'sm3', '-pkeyopt', `distid:${SM2_USER_ID}`];
  const payload = Buffer.from('single-object encoded envelope bytes');

  it('produces signatures OpenSSL verifies, and OpenSSL refuses them for other bytes', async () => {
    const k = await generateSigningKey('SM2', 'sm2-interop');
    const jws = await signDetached(payload, { kid: k.kid, alg: 'SM2', key: await importSigningKey(k.privateJwk) });
    const [p, , sig] = jws.split('.');
    const pub = file('ours.pub.pem', sm2PublicKeyPem((await importSigningKey(k.publicJwk)) as Sm2Key));
    const der = file('ours.sig.der', rsToDer(Buffer.from(sig, 'base64url')));
    const input = file('ours.input', `${p}.${payload.toString('base64url')}`);
    const other = file('other.input', `${p}.${Buffer.from('other bytes').toString('base64url')}`);
    const verify = (f: string) =>
      openssl(['pkeyutl', '-verify', '-pubin', '-inkey', pub, ...sm2Args, '-in', f, '-sigfile', der]);
    expect(verify(input)).toMatchObject({ ok: true });
    expect(verify(input).out.toString()).toContain('Signature Verified Successfully');
    expect(verify(other).ok).toBe(false);
  });

  it('verifies signatures OpenSSL made with its own key, and refuses them for other bytes', async () => {
    const key = file('theirs.pem');
    expect(openssl(['genpkey', '-algorithm', 'SM2', '-out', key]).ok).toBe(true);
    const spki = openssl(['pkey', '-in', key, '-pubout', '-outform', 'DER']).out;
    const point = spki.subarray(spki.length - 65);
    const publicJwk = {
      kty: 'EC',
      crv: 'SM2',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
      kid: 'openssl',
      alg: 'SM2',
    };
    const header = Buffer.from(JSON.stringify({ alg: 'SM2', kid: 'openssl' })).toString('base64url');
    const input = file('theirs.input', `${header}.${payload.toString('base64url')}`);
    const sig = file('theirs.sig.der');
    expect(openssl(['pkeyutl', '-sign', '-inkey', key, ...sm2Args, '-in', input, '-out', sig]).ok).toBe(true);
    const jws = `${header}..${derToRs(readFileSync(sig)).toString('base64url')}`;
    const pub = await importSigningKey(publicJwk);
    await expect(verifyDetached(jws, payload, pub, 'SM2')).resolves.toBeUndefined();
    await expect(verifyDetached(jws, Buffer.from('other bytes'), pub, 'SM2')).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });

  it('refuses an SM2 signature checked with an Ed25519 key and the other way round', async () => {
    const sm2 = await generateSigningKey('SM2', 'a');
    const ed = await generateSigningKey('EdDSA', 'b');
    const jws = await signDetached(payload, { kid: 'a', alg: 'SM2', key: await importSigningKey(sm2.privateJwk) });
    await expect(verifyDetached(jws, payload, await importSigningKey(ed.publicJwk), 'SM2')).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
    const edJws = await signDetached(payload, { kid: 'b', alg: 'EdDSA', key: await importSigningKey(ed.privateJwk) });
    await expect(verifyDetached(edJws, payload, await importSigningKey(sm2.publicJwk), 'EdDSA')).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });

  it('refuses an SM2 JWK whose point is not on the curve', async () => {
    const k = await generateSigningKey('SM2', 'c');
    const y = Buffer.from(k.publicJwk.y!, 'base64url');
    y[31] ^= 1;
    await expect(importSigningKey({ ...k.publicJwk, y: y.toString('base64url') })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});

/** r ‖ s (32 bytes each) as a DER ECDSA-Sig-Value, and back. */
function rsToDer(rs: Buffer): Buffer {
  const int = (b: Buffer) => {
    let v = b;
    while (v.length > 1 && v[0] === 0 && v[1] < 0x80) v = v.subarray(1);
    if (v[0] >= 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(rs.subarray(0, 32)), int(rs.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function derToRs(der: Buffer): Buffer {
  const rLen = der[3];
  const r = der.subarray(4, 4 + rLen);
  const s = der.subarray(6 + rLen, 6 + rLen + der[5 + rLen]);
  const pad = (v: Buffer) =>
    Buffer.concat([Buffer.alloc(32), v.subarray(v.length > 32 ? v.length - 32 : 0)]).subarray(-32);
  return Buffer.concat([pad(r), pad(s)]);
}
