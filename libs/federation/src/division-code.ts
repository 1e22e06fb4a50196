/**
 * Whether a member's division code covers another code: a province (xx0000) covers its
 * prefix xx, a city (xxxx00) covers xxxx, a county covers only itself (GB/T 2260).
 */
export function covers(memberCode: string, code: string): boolean {
  if (memberCode === code) return true;
  if (memberCode.endsWith('0000')) return code.startsWith(memberCode.slice(0, 2));
  if (memberCode.endsWith('00')) return code.startsWith(memberCode.slice(0, 4));
  return false;
}

/** Specificity of a division code: 3 county, 2 city, 1 province. */
export function specificity(code: string): number {
  if (code.endsWith('0000')) return 1;
  if (code.endsWith('00')) return 2;
  return 3;
}
