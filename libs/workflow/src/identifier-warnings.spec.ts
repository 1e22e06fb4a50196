import { DivisionCodes, identifierWarnings, JurisdictionRouter } from '.';

const divisions = DivisionCodes.load();

describe('division codes', () => {
  it('knows the county-level codes of the cooperation zones', () => {
    expect(divisions.size).toBeGreaterThan(3000);
    expect(divisions.check('341825')).toEqual({ known: true, code: '341825', name: '旌德县' });
    expect(divisions.check('330106')).toMatchObject({ known: true, name: '西湖区' });
    expect(divisions.check('341822')).toMatchObject({ known: true, code: '341882', replaces: '341822' });
    expect(divisions.check('349999')).toMatchObject({ known: false });
    expect(() => divisions.check('34182')).toThrow(/six digits/);
  });

  it('agrees with the routing table on replaced codes', () => {
    expect(JurisdictionRouter.load().current('341822')).toBe(divisions.check('341822').code);
  });
});

describe('identifier warnings on submitted records', () => {
  it('flags a failed credit-code checksum and an unknown division code without rejecting', () => {
    const w = identifierWarnings(
      'LEAD',
      { subject: { operatorUscc: '91310000MA1FL0XX7M', registeredAddress: { divisionCode: '349999' } } },
      divisions,
    );
    expect(w).toEqual([
      expect.objectContaining({ field: 'body.subject.operatorUscc', code: 'USCC_CHECKSUM' }),
      expect.objectContaining({ field: 'body.subject.registeredAddress.divisionCode', code: 'DIVISION_UNKNOWN' }),
    ]);
  });

  it('has nothing to say about valid identifiers', () => {
    expect(
      identifierWarnings(
        'COMPLAINT',
        { respondent: { uscc: '91330100799655058B', divisionCode: '330106' } },
        divisions,
      ),
    ).toEqual([]);
  });

  it('warns about a complainant ID number failing GB 11643, without repeating the number', () => {
    const w = identifierWarnings(
      'COMPLAINT',
      {
        respondent: { uscc: '91330100799655058B', divisionCode: '330106' },
        complainant: { idNumber: '110105194912310021', agent: { idNumber: '11010519491231002X' } },
      },
      divisions,
    );
    expect(w).toEqual([expect.objectContaining({ field: 'body.complainant.idNumber', code: 'RESIDENT_ID_INVALID' })]);
    expect(JSON.stringify(w)).not.toContain('110105194912310021');
    expect(identifierWarnings('COMPLAINT', { complainant: { idNumber: '11010519491231002X' } }, divisions)).toEqual([]);
  });
});
