/** One CSV cell (RFC 4180), safe to open in a spreadsheet program. */
export function csvCell(v: string | number | null): string {
  // Numbers are written as numbers: a negative one is data, not a formula.
  if (typeof v === 'number') return String(v);
  let s = v ?? '';
  // OWASP "CSV injection": a text cell starting with = + - @ (or tab or CR, which some programs
  // skip before such a character) is run as a formula; a leading quote makes it text.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
