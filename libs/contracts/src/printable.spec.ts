import { printable } from './printable';

describe('printable', () => {
  it('writes control characters out and keeps the rest', () => {
    expect(printable('a\u0000b\u001fc\u007f 旌德')).toBe('a\\u0000b\\u001fc\\u007f 旌德');
  });

  it('replaces lone surrogates and keeps pairs', () => {
    expect(printable('x\ud800y\udc00z😀')).toBe('x\ufffdy\ufffdz😀');
  });
});
