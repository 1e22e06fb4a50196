import { DomainError } from '@xietong/contracts';
import { parseLocalDate } from '@xietong/workflow';

export const PAGE_SIZE = 50;

/** Page number from the query (1 first), and the rows to skip. */
export function pageOf(q: Record<string, string>): { page: number; offset: number; size: number } {
  const page = Math.max(1, Math.min(100_000, Number.parseInt(q.page ?? '1', 10) || 1));
  return { page, offset: (page - 1) * PAGE_SIZE, size: PAGE_SIZE };
}

/** A query value that must be one of `allowed` (empty means absent). */
export function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], field: string): T | undefined {
  if (v === undefined || v === '') return undefined;
  if (!(allowed as readonly string[]).includes(v))
    throw new DomainError('VALIDATION_FAILED', `${field} 取值无效：${v}（可选：${allowed.join('、')}）`, field);
  return v as T;
}

export function dateParam(v: string | undefined, field: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  parseLocalDate(v, field);
  return v;
}

/** Only the filters that are set, to carry over into pager links. */
export function setFilters(q: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(q).filter(([k, v]) => v && k !== 'page')) as Record<string, string>;
}
