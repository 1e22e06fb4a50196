/** Alphabet of GB 32100-2015 (value = index): no I, O, S, V, Z. */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export type UsccCheck =
  | { valid: true; code: string }
  | { valid: false; code: string; problem: 'format'; message: string }
  | { valid: false; code: string; problem: 'checksum'; expected: string; message: string };

/**
 * Checks a unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters of the
 * standard alphabet and the check character. A checksum failure is reported, not thrown: some
 * registered codes fail it and need manual review rather than rejection.
 */
export function checkUscc(input: string): UsccCheck {
  const code = input.trim().toUpperCase();
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) {
    return {
      valid: false,
      code,
      problem: 'format',
      message: 'a unified social credit code has 18 characters from 0-9 and A-Y without I, O, S, V, Z',
    };
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(code[i]) * WEIGHTS[i];
  const expected = ALPHABET[(31 - (sum % 31)) % 31];
  if (code[17] !== expected) {
    return {
      valid: false,
      code,
      problem: 'checksum',
      expected,
      message: `check character is ${code[17]}, the code's first 17 characters give ${expected}: flag for manual review`,
    };
  }
  return { valid: true, code };
}
