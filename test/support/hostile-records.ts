import fc from 'fast-check';
import { HEADERS } from '@xietong/messaging';

export interface RawRecord {
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Hostile record values and headers for property tests: random bytes, or a valid record with
 * flipped bits, cut, extended or spliced; headers missing, garbage, or naming another key.
 */
export function hostileRecords(valid: RawRecord): fc.Arbitrary<RawRecord> {
  const bytes = fc.uint8Array({ minLength: 0, maxLength: 600 }).map((b) => Buffer.from(b));
  const mutated = fc
    .tuple(
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.nat(),
      fc.uint8Array({ maxLength: 40 }),
      fc.constantFrom('flip', 'cut', 'extend', 'splice'),
    )
    .map(([flips, at, extra, how]) => {
      const v = Buffer.from(valid.value);
      if (how === 'cut') return v.subarray(0, at % v.length);
      if (how === 'extend') return Buffer.concat([v, Buffer.from(extra.length ? extra : [0])]);
      if (how === 'splice')
        return Buffer.concat([v.subarray(0, at % v.length), Buffer.from(extra), v.subarray(at % v.length)]);
      for (const [i, x] of flips) v[i % v.length] ^= x;
      return v;
    });
  const headers = fc.oneof(
    fc.constant(valid.headers),
    fc.constant({}),
    fc.string({ maxLength: 200 }).map((s) => ({ [HEADERS.signature]: s })),
    fc.string({ maxLength: 60 }).map((s) => ({
      [HEADERS.signature]: `${Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: s })).toString('base64url')}..${valid.headers[HEADERS.signature].split('.')[2]}`,
    })),
  );
  return fc.record({ value: fc.oneof(bytes, mutated), headers });
}

/** True for the one combination that is not hostile: the valid record with its own signature. */
export function isUntouched(r: RawRecord, valid: RawRecord): boolean {
  return r.value.equals(valid.value) && r.headers === valid.headers;
}
