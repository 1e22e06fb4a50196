/**
 * What a personal-data field of a stored body holds once retention erased it (docs/retention.md):
 * the JWE is gone from every table, and the API and console show 已删除 instead of the data.
 */
export const ERASED_PERSONAL_DATA = 'erased';

/** Whether a stored personal-data field was erased. */
export function isErased(value: unknown): boolean {
  return value === ERASED_PERSONAL_DATA;
}

/** What the API and console say in place of erased personal data. */
export const ERASED_NOTE = 'erased (已删除): the personal data was deleted when its retention period ended';
