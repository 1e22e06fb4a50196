import type { Client } from 'pg';
import type { GatewayProcess } from './gateway-processes';
import { median, processUsage, round } from './stats';
import { shanghaiDate } from '@xietong/workflow';

export interface MetricsScaleFigures {
  case_rows: number;
  message_rows: number;
  /** GET /metrics, median of 5 scrapes (target < 1,000 ms). */
  scrape_ms: number;
  /** GET /api/v1/reports/monthly for the current month, median of 3. */
  monthly_report_ms: number;
  /** Peak RSS of the gateway process over the whole phase (target < 300 MB). */
  peak_rss_mb: number;
}

/**
 * /metrics and the monthly report on a gateway whose database holds `rows` case files and as
 * many messages: both aggregate in SQL, so the scrape stays fast and the process small.
 */
export async function metricsAtScale(
  pg: Client,
  schema: string,
  gateway: GatewayProcess,
  auditorToken: string,
  rows: number,
  log: (line: string) => void,
): Promise<MetricsScaleFigures> {
  log(`metrics at scale: seeding ${rows} case files and ${rows} messages`);
  await pg.query(
    `INSERT INTO "${schema}".case_file (kind, case_no, partner, role, state, risk_tier, received_on, clock, clock_start,
       due_on, due_provisional, reminders, created_at, updated_at)
     SELECT CASE WHEN g % 4 = 0 THEN 'COMPLAINT' ELSE 'LEAD' END, 'SCALE-' || g,
       CASE WHEN g % 2 = 0 THEN '330100' ELSE '320100' END, 'transferor', 'RECEIVED', 'GENERAL',
       to_char(now() - (g % 60) * interval '1 day', 'YYYY-MM-DD'), 'lead-feedback',
       to_char(now() - (g % 60) * interval '1 day', 'YYYY-MM-DD'),
       to_char(now() + ((g % 90) - 45) * interval '1 day', 'YYYY-MM-DD'), false, 0,
       now() - (g % 60) * interval '1 day', now()
     FROM generate_series(1, $1::int) g`,
    [rows],
  );
  await pg.query(
    `INSERT INTO "${schema}".message (message_id, direction, type, sender, recipient, zone, correlation_id, created_at,
       body_schema, body, status, received_at, manifest_serial)
     SELECT '00000000-0000-4000-8000-' || lpad(g::text, 12, '0'), CASE WHEN g % 2 = 0 THEN 'out' ELSE 'in' END,
       CASE WHEN g % 2 = 0 THEN 'LEAD' ELSE 'CASE_RESULT' END,
       CASE WHEN g % 2 = 0 THEN '341825' ELSE '330100' END, CASE WHEN g % 2 = 0 THEN '330100' ELSE '341825' END,
       'yrd', 'SCALE-' || (g - g % 2), now() - (g % 60) * interval '1 day', '00', '{}',
       CASE WHEN g % 3 = 0 THEN 'rejected' ELSE 'accepted' END,
       CASE WHEN g % 2 = 1 THEN now() - (g % 30) * interval '1 day' END, 1
     FROM generate_series(1, $1::int) g`,
    [rows],
  );
  await pg.query(`ANALYZE "${schema}".case_file`);
  await pg.query(`ANALYZE "${schema}".message`);
  const timed = async (path: string): Promise<number> => {
    const t0 = performance.now();
    const res = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${auditorToken}` } });
    await res.text();
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    return performance.now() - t0;
  };
  const scrapes: number[] = [];
  for (let i = 0; i < 5; i++) scrapes.push(await timed('/metrics'));
  const month = shanghaiDate(new Date()).slice(0, 7);
  const reports: number[] = [];
  for (let i = 0; i < 3; i++) reports.push(await timed(`/api/v1/reports/monthly?month=${month}`));
  return {
    case_rows: rows,
    message_rows: rows,
    scrape_ms: round(median(scrapes)),
    monthly_report_ms: round(median(reports)),
    peak_rss_mb: processUsage(gateway.child.pid!).peak_rss_mb,
  };
}
