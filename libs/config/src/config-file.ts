import { DomainError } from '@xietong/contracts';

/** A file of the configuration that cannot be read or parsed: CONFIG_INVALID naming it (one line at boot). */
export async function readConfigFile<T>(read: () => Promise<T>, what: string): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw new DomainError('CONFIG_INVALID', `${what}: ${(e as Error).message}`);
  }
}
