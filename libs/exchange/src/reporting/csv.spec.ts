import { csvCell } from './csv';

describe('csvCell', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+1+cmd|calc', "'+1+cmd|calc"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', `"'\r=1+1"`],
  ])('neutralises a text cell a spreadsheet would run as a formula: %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('leaves numbers, ordinary text and empty cells as they are, quoting per RFC 4180', () => {
    expect([-3, 4.5, null, '', '杭州市, 稽查局', 'say "hi"', 'a=b'].map(csvCell)).toEqual([
      '-3',
      '4.5',
      '',
      '',
      '"杭州市, 稽查局"',
      '"say ""hi"""',
      'a=b',
    ]);
  });
});
