import type { CryptoKey } from 'jose';
import { isErased } from '@xietong/contracts';
import { decryptJson } from '@xietong/crypto';
import { maskComplainant } from '@xietong/workflow';

/**
 * The complainant as a received complaint's case page shows it: masked (not a recorded access),
 * `erased` once retention erased it (已删除), undefined when this agency's key cannot decrypt it.
 */
export async function complainantOnPage(
  jwe: string,
  key: CryptoKey,
): Promise<Record<string, unknown> | 'erased' | undefined> {
  if (isErased(jwe)) return 'erased';
  try {
    return maskComplainant(await decryptJson<Record<string, unknown>>(jwe, key));
  } catch {
    return undefined;
  }
}
