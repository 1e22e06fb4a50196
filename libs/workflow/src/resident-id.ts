const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** Checks an 18-character resident identity number (GB 11643): birth date and check character. */
export function isValidResidentId(input: string): boolean {
  const id = input.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  const ms = Date.parse(`${birth}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== birth) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * WEIGHTS[i];
  return CHECK[sum % 11] === id[17];
}

/** `341825********123X`: area code and the last four kept. Sensitive personal information. */
export function maskResidentId(id: string): string {
  return id.length < 10 ? '*'.repeat(id.length) : `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`;
}

/** `138****1234`: first three and last four digits of a mobile number kept. */
export function maskPhone(phone: string): string {
  return phone.length < 8
    ? '*'.repeat(phone.length)
    : `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}`;
}

/** `王*` / `欧阳**`: the family name kept. */
export function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? '*' : `${chars[0]}${'*'.repeat(chars.length - 1)}`;
}

/** `安徽省宣城市旌德县****`: kept up to the county or district (县/区/旗, else 市), the rest masked. */
export function maskAddress(address: string): string {
  const chars = [...address];
  const cut = (marks: string[]) => chars.findIndex((c, i) => i >= 2 && marks.includes(c));
  const end = [cut(['县', '区', '旗']), cut(['市'])].find((i) => i >= 0);
  const keep = end === undefined ? Math.min(3, chars.length - 1) : end + 1;
  return keep <= 0 ? '*'.repeat(chars.length) : `${chars.slice(0, keep).join('')}****`;
}

/**
 * A complainant (or their agent) as views show it: name, phone, ID number and address masked,
 * other fields dropped. Sensitive personal information never leaves in plain text but through the
 * recorded decryption of the handling agency.
 */
export function maskComplainant(c: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (text(c.name) !== undefined) out.name = maskName(text(c.name)!);
  if (text(c.phone) !== undefined) out.phone = maskPhone(text(c.phone)!);
  if (text(c.idNumber) !== undefined) out.idNumber = maskResidentId(text(c.idNumber)!);
  if (text(c.address) !== undefined) out.address = maskAddress(text(c.address)!);
  if (c.agent && typeof c.agent === 'object') out.agent = maskComplainant(c.agent as Record<string, unknown>);
  return out;
}
