import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '@xietong/contracts';

/** The data classes of a gateway that have a retention period (libs/config/data/retention-policy.json). */
export const RETENTION_CLASSES = [
  'personal-data',
  'records',
  'receipts',
  'quarantine',
  'access-records',
  'audit',
  'consumer-logs',
  'queue-rows',
] as const;
export type RetentionClass = (typeof RETENTION_CLASSES)[number];

/**
 * What happens when a class's period ends: `erase` removes the personal fields and keeps the rest,
 * `delete` removes the rows, `archive` keeps them until an archive holds them (then they may go).
 */
export type RetentionAction = 'erase' | 'delete' | 'archive';

/** One class's rule, with its legal source. */
export interface RetentionRule {
  id: RetentionClass;
  /** The variable that sets this agency's period in days. */
  env: string;
  name: string;
  action: RetentionAction;
  /** The event the period counts from. */
  from: string;
  /** The default period in days. */
  days: number;
  /** The least an agency may configure (0: no legal minimum). */
  floor: number;
  source: string;
}

/** This agency's retention settings, validated at boot. */
export interface RetentionConfig {
  /** How often the scheduler role runs the retention worker (XIETONG_RETENTION_INTERVAL_MS). */
  intervalMs: number;
  /** Rows per transaction (XIETONG_RETENTION_BATCH_SIZE). */
  batchSize: number;
  /** The period of each class in days. */
  days: Record<RetentionClass, number>;
}

const MAX_DAYS = 36_500;

let rules: readonly RetentionRule[] | undefined;

/** The policy's rules, read once from the data file. */
export function retentionRules(file = join(__dirname, '../data/retention-policy.json')): readonly RetentionRule[] {
  if (rules) return rules;
  const data = JSON.parse(readFileSync(file, 'utf8')) as { classes: RetentionRule[] };
  const ids = data.classes.map((c) => c.id).sort();
  if (JSON.stringify(ids) !== JSON.stringify([...RETENTION_CLASSES].sort()))
    throw new Error(`${file} must define exactly the classes ${RETENTION_CLASSES.join(', ')}, got ${ids.join(', ')}`);
  rules = data.classes;
  return rules;
}

/**
 * The retention settings from the environment: each class's period in days (the policy's default
 * when unset), refused with CONFIG_INVALID when it is below the class's legal floor, naming the
 * floor and its source.
 */
export function loadRetentionConfig(env: Record<string, string | undefined>): RetentionConfig {
  const days = {} as Record<RetentionClass, number>;
  for (const rule of retentionRules()) {
    const v = env[rule.env];
    const n = v === undefined || v === '' ? rule.days : Number(v);
    if (!Number.isInteger(n) || n < 0 || n > MAX_DAYS)
      throw new DomainError('CONFIG_INVALID', `${rule.env} must be a number of days from 0 to ${MAX_DAYS}, got "${v}"`);
    if (n < rule.floor)
      throw new DomainError(
        'CONFIG_INVALID',
        `${rule.env} must be at least ${rule.floor} days, the legal floor for ${rule.name} (${rule.source}), got ${n}`,
      );
    days[rule.id] = n;
  }
  return {
    intervalMs: whole(env, 'XIETONG_RETENTION_INTERVAL_MS', 3_600_000, 1_000, 7 * 86_400_000),
    batchSize: whole(env, 'XIETONG_RETENTION_BATCH_SIZE', 500, 1, 10_000),
    days,
  };
}

function whole(env: Record<string, string | undefined>, name: string, dflt: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new DomainError('CONFIG_INVALID', `${name} must be an integer from ${min} to ${max}, got "${v}"`);
  return n;
}
