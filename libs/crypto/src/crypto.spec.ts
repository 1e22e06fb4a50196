import { decryptJson, encryptJson, generateEncryptionKey, generateSigningKey, importKey, readDetachedHeader, signDetached, verifyDetached } from '.';

describe.each(['EdDSA', 'ES256'] as const)('detached JWS with %s', (alg) => {
  const payload = Buffer.from('c30100112233445566778899', 'hex');

  it('verifies over the exact bytes and carries only alg and kid', async () => {
    const k = await generateSigningKey(alg, `k-${alg}`);
    const jws = await signDetached(payload, { kid: k.kid, alg, key: await importKey(k.privateJwk) });
    expect(jws.split('.')[1]).toBe('');
    expect(readDetachedHeader(jws)).toEqual({ alg, kid: k.kid });
    await expect(verifyDetached(jws, payload, await importKey(k.publicJwk), alg)).resolves.toBeUndefined();
  });

  it('fails when one byte of the payload changes', async () => {
    const k = await generateSigningKey(alg, 'k');
    const jws = await signDetached(payload, { kid: k.kid, alg, key: await importKey(k.privateJwk) });
    const flipped = Buffer.from(payload);
    flipped[5] ^= 0x01;
    await expect(verifyDetached(jws, flipped, await importKey(k.publicJwk), alg)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('fails with another key', async () => {
    const k = await generateSigningKey(alg, 'k');
    const other = await generateSigningKey(alg, 'k');
    const jws = await signDetached(payload, { kid: k.kid, alg, key: await importKey(k.privateJwk) });
    await expect(verifyDetached(jws, payload, await importKey(other.publicJwk), alg)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
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
    await expect(decryptJson(jwe, await importKey(k.privateJwk))).resolves.toEqual({ name: '张三', phone: '13812341234' });
  });
});

describe.each(['EdDSA', 'ES256'] as const)('detached JWS interoperability with jose (%s)', (alg) => {
  const payload = Buffer.from('single-object encoded envelope bytes');

  it('produces a JWS that jose verifies over the detached payload', async () => {
    const { flattenedVerify } = await import('jose');
    const k = await generateSigningKey(alg, 'interop');
    const jws = await signDetached(payload, { kid: k.kid, alg, key: await importKey(k.privateJwk) });
    const [p, , s] = jws.split('.');
    const result = await flattenedVerify({ protected: p, payload: payload.toString('base64url'), signature: s }, await importKey(k.publicJwk));
    expect(Buffer.from(result.payload).equals(payload)).toBe(true);
  });

  it('verifies a detached JWS that jose produced, and refuses it for other bytes', async () => {
    const { FlattenedSign } = await import('jose');
    const k = await generateSigningKey(alg, 'interop');
    const f = await new FlattenedSign(payload).setProtectedHeader({ alg, kid: k.kid }).sign(await importKey(k.privateJwk));
    const jws = `${f.protected}..${f.signature}`;
    await expect(verifyDetached(jws, payload, await importKey(k.publicJwk), alg)).resolves.toBeUndefined();
    await expect(verifyDetached(jws, Buffer.from('other'), await importKey(k.publicJwk), alg)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('refuses a key of the other algorithm', async () => {
    const k = await generateSigningKey(alg, 'k');
    const other = await generateSigningKey(alg === 'EdDSA' ? 'ES256' : 'EdDSA', 'k');
    const jws = await signDetached(payload, { kid: k.kid, alg, key: await importKey(k.privateJwk) });
    await expect(verifyDetached(jws, payload, await importKey(other.publicJwk), alg)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });
});
