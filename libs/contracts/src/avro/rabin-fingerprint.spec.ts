import { rabinFingerprint } from './rabin-fingerprint';

describe('rabinFingerprint (CRC-64-AVRO)', () => {
  // Values from the Avro project's schema-tests.txt (parsingFingerprint64, signed longs).
  it.each([
    ['"null"', 7195948357588979594n],
    ['"boolean"', -6970731678124411036n],
    ['"int"', 8247732601305521295n],
    ['"string"', -8142146995180207161n],
  ])('fingerprints %s as the specification does', (schema, expected) => {
    expect(rabinFingerprint(schema).readBigInt64LE()).toBe(expected);
  });
});
