import { checkUscc, isValidResidentId, maskName, maskPhone, maskResidentId } from '.';

describe('unified social credit code (GB 32100)', () => {
  it.each(['91350200776049653A', '91440101MA5CJQ4N59', '914403001922038216', '91330100799655058B'])('accepts %s', (code) => {
    expect(checkUscc(code)).toEqual({ valid: true, code });
  });

  it('flags a checksum failure with the expected character instead of rejecting', () => {
    expect(checkUscc('91310000MA1FL0XX7M')).toMatchObject({ valid: false, problem: 'checksum', expected: 'Y' });
  });

  it.each(['9135020077604965', '91350200776049653I', '91350200776O49653A'])('refuses the malformed %s', (code) => {
    expect(checkUscc(code)).toMatchObject({ valid: false, problem: 'format' });
  });
});

describe('resident identity number (GB 11643)', () => {
  it('accepts the worked example and refuses a changed digit or an impossible birth date', () => {
    expect(isValidResidentId('11010519491231002X')).toBe(true);
    expect(isValidResidentId('11010519491231003X')).toBe(false);
    expect(isValidResidentId('110105194902300021')).toBe(false);
  });

  it('masks identifiers for every view that is not an authorised decryption', () => {
    expect(maskResidentId('34182519900101123X')).toBe('341825********123X');
    expect(maskPhone('13812341234')).toBe('138****1234');
    expect(maskName('王小明')).toBe('王**');
  });
});
