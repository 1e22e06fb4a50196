import { csvCell, type ReportRow } from '@xietong/exchange';
import { tr, word, type Lang } from './labels';

interface Column {
  header: string;
  key: string;
  value(r: ReportRow, name: (id: string) => string): string | number | null;
}

/**
 * The monthly report's columns, with the Chinese headers the leading group office reads (the
 * downloads are always Chinese; the console's English page shows English headers).
 */
export function reportColumns(lang: Lang = 'zh'): Column[] {
  const t = (zh: string, en: string) => tr(lang, zh, en);
  return [
    { header: t('对方机构', 'Partner'), key: 'partnerName', value: (r, name) => name(r.partner) },
    { header: t('机构代码', 'Partner code'), key: 'partner', value: (r) => r.partner },
    { header: t('报文类型', 'Message type'), key: 'type', value: (r) => word(r.type, lang) },
    { header: t('发出', 'Sent'), key: 'sent', value: (r) => r.sent },
    { header: t('收到', 'Received'), key: 'received', value: (r) => r.received },
    { header: t('对方接收', 'Accepted'), key: 'accepted', value: (r) => r.accepted },
    { header: t('对方拒收', 'Rejected'), key: 'rejected', value: (r) => r.rejected },
    { header: t('逾期', 'Overdue'), key: 'overdue', value: (r) => r.overdue },
    {
      header: t('平均反馈工作日', 'Mean feedback (working days)'),
      key: 'avgFeedbackWorkingDays',
      value: (r) => r.avgFeedbackWorkingDays,
    },
  ];
}

/** RFC 4180 CSV in UTF-8 with a byte order mark, so spreadsheet programs read the Chinese right. */
export function monthlyCsv(rows: ReportRow[], name: (id: string) => string): Buffer {
  const cols = reportColumns();
  const lines = [
    cols.map((c) => csvCell(c.header)).join(','),
    ...rows.map((r) => cols.map((c) => csvCell(c.value(r, name))).join(',')),
  ];
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')]);
}

/** The same table as an Excel workbook (exceljs). */
export async function monthlyXlsx(
  report: { month: string; rows: ReportRow[] },
  agency: string,
  name: (id: string) => string,
): Promise<Buffer> {
  const { Workbook } = await import('exceljs');
  const wb = new Workbook();
  wb.creator = 'Xietong';
  const ws = wb.addWorksheet(`${report.month} 月报`);
  const cols = reportColumns();
  ws.columns = cols.map((c) => ({ header: c.header, key: c.key, width: c.key === 'partnerName' ? 28 : 14 }));
  for (const r of report.rows) ws.addRow(Object.fromEntries(cols.map((c) => [c.key, c.value(r, name)])));
  ws.getRow(1).font = { bold: true };
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  ws.headerFooter.oddHeader = `${agency} ${report.month} 数据共享月报`;
  return Buffer.from(await wb.xlsx.writeBuffer());
}
