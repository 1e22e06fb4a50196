import { DomainError } from '@xietong/contracts';
import { httpStatusOf } from './error-status';

describe('one error-code to status map for the API and the console', () => {
  it.each([
    ['VALIDATION_FAILED', 400],
    ['ILLEGAL_TRANSITION', 409],
    ['MESSAGE_ID_CONFLICT', 409],
    ['UNKNOWN_CASE', 422],
    ['MANIFEST_EXPIRED', 503],
    ['MALFORMED', 500],
  ] as const)('maps %s to %i', (code, status) => {
    expect(httpStatusOf(new DomainError(code, 'x').code)).toBe(status);
  });
});
