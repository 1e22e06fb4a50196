import { PeriodicTask } from '../periodic-task';
import { Injectable } from '@nestjs/common';
import type { RetentionClass, RetentionConfig } from '@xietong/config';
import { MESSAGE_TYPE_SPECS, type CaseKindName } from '@xietong/contracts';
import { AuditRepository, Database, RetentionRepository, type AgedTable } from '@xietong/persistence';
import { CASE_STATES, isFinal } from '@xietong/workflow';
import { Logs, token, type Log } from '../tokens';
import { ArchiveCoverage, type ArchivedKind } from './archive-coverage';
import { RETENTION_RUN } from './erasure-claim';
import { PersonalDataErasure } from './personal-data-erasure';

/** This agency's retention periods and the worker's cadence. */
export const RetentionSettings = token<RetentionSettings>('RetentionSettings');
export type RetentionSettings = RetentionConfig;

/** The tables each deleted class lives in (consumer-facing logs: the webhook delivery log, once it exists). */
const DELETED_IN: Partial<Record<RetentionClass, AgedTable[]>> = {
  quarantine: ['quarantine'],
  'access-records': ['personal_data_access'],
  'queue-rows': ['outbox'],
  'consumer-logs': [],
};
const ARCHIVED: ArchivedKind[] = ['records', 'receipts', 'audit'];

/** Message types with personal-data fields, by the kind of case they open. */
const PERSONAL = Object.values(MESSAGE_TYPE_SPECS).flatMap((s) =>
  s.personalData.length > 0 && s.caseEffect?.effect === 'opens' ? [{ type: s.type, kind: s.caseEffect.kind }] : [],
);

/** What one run did (or, in a dry run, would do). */
export interface RetentionReport {
  now: string;
  dryRun: boolean;
  /** Messages whose personal data was erased. */
  erased: { messageId: string; caseNo: string; partner: string; state: string; closedAt: string }[];
  /** Rows deleted per class. */
  deleted: Partial<Record<RetentionClass, number>>;
  /** Classes past their period that stay, and why. */
  kept: { class: RetentionClass; reason: string }[];
}

/**
 * The retention worker (scheduler role): applies this agency's retention policy as of `now`.
 * Erases the personal data of cases whose purpose is fulfilled, deletes quarantine rows,
 * personal-data access records and dead queue rows past their periods in batches of
 * `batchSize` rows per transaction, keeps what must be archived first unless
 * {@link ArchiveCoverage} says it is, and records the run in the audit log and the tally `/metrics` reads.
 */
@Injectable()
export class RetentionWorker {
  private readonly loop: PeriodicTask;
  private readonly log: Log;

  constructor(
    private readonly settings: RetentionSettings,
    private readonly repo: RetentionRepository,
    private readonly eraser: PersonalDataErasure,
    private readonly coverage: ArchiveCoverage,
    private readonly audit: AuditRepository,
    private readonly db: Database,
    logs: Logs,
  ) {
    this.log = logs('Retention');
    this.loop = new PeriodicTask(
      () => this.run(),
      settings.intervalMs,
      (e) => this.log('error', `retention run failed: ${e.message}`),
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  async run(o: { now?: Date; dryRun?: boolean; actor?: string } = {}): Promise<RetentionReport> {
    const now = o.now ?? new Date();
    const dryRun = o.dryRun ?? false;
    const cutoff = (c: RetentionClass) => new Date(now.getTime() - this.settings.days[c] * 86_400_000);
    const report: RetentionReport = { now: now.toISOString(), dryRun, erased: [], deleted: {}, kept: [] };
    await this.erase(cutoff('personal-data'), dryRun, report, o.actor);
    for (const [cls, tables] of Object.entries(DELETED_IN) as [RetentionClass, AgedTable[]][]) {
      let n = 0;
      for (const table of tables)
        n += dryRun ? await this.repo.countOlder(table, cutoff(cls)) : await this.drain(table, cutoff(cls));
      report.deleted[cls] = n;
    }
    for (const kind of ARCHIVED) {
      const archived = await this.coverage.isArchived(kind, { createdAt: cutoff(kind) });
      // Deleting an archived class comes with the archives; until then nothing of it leaves.
      report.kept.push({
        class: kind,
        reason: archived ? 'archived; deletion comes with the archives' : 'not archived yet',
      });
    }
    if (!dryRun) await this.record(report, now, o.actor ?? 'retention');
    const deleted = Object.values(report.deleted).reduce((a, b) => a + (b ?? 0), 0);
    if (report.erased.length + deleted > 0)
      this.log(
        'log',
        `retention${dryRun ? ' (dry run)' : ''}: erased ${report.erased.length} message(s), deleted ${deleted} row(s)`,
      );
    return report;
  }

  private async erase(closedBefore: Date, dryRun: boolean, report: RetentionReport, actor?: string): Promise<void> {
    const days = this.settings.days['personal-data'];
    for (const kind of [...new Set(PERSONAL.map((p) => p.kind))] as CaseKindName[]) {
      const types = PERSONAL.filter((p) => p.kind === kind).map((p) => p.type);
      const states = CASE_STATES[kind].filter((s) => isFinal(kind, s));
      let after = '';
      for (;;) {
        const page = await this.repo.erasable({ types, kind, states, closedBefore }, this.settings.batchSize, after);
        for (const m of page) {
          const reason = `purpose fulfilled: ${kind} ${m.caseNo} with ${m.partner} ${m.state} since ${m.closedAt.toISOString()}, personal-data retention ${days} days`;
          if (!dryRun) await this.eraser.erasePersonalData(m.messageId, reason, actor);
          report.erased.push({ ...m, closedAt: m.closedAt.toISOString() });
        }
        if (page.length < this.settings.batchSize) break;
        after = page[page.length - 1].messageId;
      }
    }
  }

  /** Deletes a table's aged rows a batch per transaction until none is left. */
  private async drain(table: AgedTable, before: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.repo.deleteOlder(table, before, this.settings.batchSize);
      total += n;
      if (n < this.settings.batchSize) return total;
    }
  }

  private async record(report: RetentionReport, now: Date, actor: string): Promise<void> {
    const counts: Record<string, number> = { ...report.deleted, 'personal-data': report.erased.length } as Record<
      string,
      number
    >;
    await this.db.transaction(async (em) => {
      await this.repo.addToTally(em, counts, new Date());
      await this.audit.append(em, [
        {
          kind: RETENTION_RUN,
          actor,
          detail: {
            asOf: report.now,
            days: this.settings.days,
            erased: report.erased.length,
            deleted: report.deleted,
            kept: report.kept,
          },
        },
      ]);
    });
  }
}
