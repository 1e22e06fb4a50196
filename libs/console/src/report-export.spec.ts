import ExcelJS from 'exceljs';
import { monthlyCsv, monthlyXlsx } from './report-export';

const rows = [
  {
    partner: '330100',
    type: 'LEAD',
    sent: 3,
    received: 0,
    accepted: 2,
    rejected: 1,
    overdue: 1,
    avgFeedbackWorkingDays: 4.5,
  },
];
const name = (id: string) => (id === '330100' ? '杭州市市场监督管理局, 稽查局' : id);

describe('monthly report downloads', () => {
  it('writes CSV in UTF-8 with a byte order mark, Chinese headers and quoted commas', () => {
    const csv = monthlyCsv(rows, name);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.subarray(3).toString('utf8')).toBe(
      '对方机构,机构代码,报文类型,发出,收到,对方接收,对方拒收,逾期,平均反馈工作日\r\n' +
        '"杭州市市场监督管理局, 稽查局",330100,问题线索,3,0,2,1,1,4.5\r\n',
    );
  });

  it('neutralises a partner name that a spreadsheet would run as a formula', () => {
    const csv = monthlyCsv(rows, () => '=HYPERLINK("http://evil.example","click")');
    expect(csv.subarray(3).toString('utf8').split('\r\n')[1]).toBe(
      `"'=HYPERLINK(""http://evil.example"",""click"")",330100,问题线索,3,0,2,1,1,4.5`,
    );
  });

  it('writes an XLSX workbook that exceljs reads back', async () => {
    const buf = await monthlyXlsx({ month: '2026-11', rows }, '旌德县市场监督管理局', name);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as any);
    const ws = wb.worksheets[0];
    expect(ws.name).toBe('2026-11 月报');
    expect(ws.getRow(1).values).toEqual([
      undefined,
      '对方机构',
      '机构代码',
      '报文类型',
      '发出',
      '收到',
      '对方接收',
      '对方拒收',
      '逾期',
      '平均反馈工作日',
    ]);
    expect(ws.getRow(2).values).toEqual([
      undefined,
      '杭州市市场监督管理局, 稽查局',
      '330100',
      '问题线索',
      3,
      0,
      2,
      1,
      1,
      4.5,
    ]);
  });
});
