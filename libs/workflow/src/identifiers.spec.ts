import { checkUscc, isValidResidentId, maskAddress, maskComplainant, maskName, maskPhone, maskResidentId } from '.';

describe('unified social credit code (GB 32100)', () => {
  it.each(['91350200776049653A', '91440101MA5CJQ4N59', '914403001922038216', '91330100799655058B'])(
    'accepts %s',
    (code) => {
      expect(checkUscc(code)).toEqual({ valid: true, code });
    },
  );

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

  it.each([
    ['安徽省宣城市旌德县旌阳镇某小区3栋', '安徽省宣城市旌德县****'],
    ['上海市浦东新区张江路88号', '上海市浦东新区****'],
    ['杭州市西湖路1号', '杭州市****'],
    ['某某路1号', '某某路****'],
    ['甲', '*'],
  ])('masks the address %s below the county or district', (address, masked) => {
    expect(maskAddress(address)).toBe(masked);
  });

  it('masks a whole complainant, agent included, and drops fields it does not know', () => {
    expect(
      maskComplainant({
        name: '王小明',
        phone: '13812341234',
        idNumber: '11010519491231002X',
        address: '安徽省宣城市旌德县旌阳镇某小区3栋',
        note: '私密',
        agent: { name: '欧阳娜娜', phone: '13900001111' },
      }),
    ).toEqual({
      name: '王**',
      phone: '138****1234',
      idNumber: '110105********002X',
      address: '安徽省宣城市旌德县****',
      agent: { name: '欧***', phone: '139****1111' },
    });
  });
});
