import { readFileSync, statSync } from 'node:fs';
import { DomainError } from '@xietong/contracts';

/**
 * Reads a secret (private key, password, token) from the file a variable names. A file that group
 * or others may read is refused, naming the file and the fix: such a secret may already have leaked
 * to another account on the host, and a gateway should not start on it unnoticed. The content is
 * never part of an error.
 */
export function readSecretFile(file: string, variable: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DomainError(
      'CONFIG_INVALID',
      `cannot read ${variable} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  requireOwnerOnly(file, variable);
  return text;
}

/** CONFIG_INVALID when group or others may read `file` (`what` names it: a variable, "private key file"). */
export function requireOwnerOnly(file: string, what: string): void {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new DomainError(
      'CONFIG_INVALID',
      `${what} ${file} is readable by group or others (mode 0${mode.toString(8)}): run chmod 600 ${file}`,
    );
}
