import { RetentionWorker } from '@xietong/exchange';
import type { RunningGateway } from '@xietong/gateway';

/**
 * Runs each gateway's retention policy as of a day past the complaints' period (docs/retention.md):
 * the personal data of closed complaints is erased at the gateway that handled them and at the one
 * that sent them, each with a signed erasure entry in its audit chain. Returns how many were erased.
 */
export async function retentionAsOfLater(
  gateways: RunningGateway[],
  days: number,
  log: (line: string) => void,
): Promise<number> {
  const later = new Date(Date.now() + days * 86_400_000);
  let erased = 0;
  for (const g of gateways) {
    const report = await g.app.get(RetentionWorker).run({ now: later, actor: 'demo' });
    erased += report.erased.length;
    const deleted = Object.entries(report.deleted)
      .filter(([, n]) => (n ?? 0) > 0)
      .map(([cls, n]) => `${cls} ${n}`);
    log(
      `retention at ${g.config.agencyId} as of ${report.now.slice(0, 10)}: erased the personal data of ${report.erased.length} message(s)` +
        (report.erased.length > 0 ? ` (${report.erased.map((e) => e.caseNo).join(', ')})` : '') +
        `; deleted ${deleted.length > 0 ? deleted.join(', ') : 'nothing'}`,
    );
  }
  return erased;
}
