import { DomainError } from '@xietong/contracts';
import { loadGatewayConfig, loadRetentionConfig, RETENTION_CLASSES, retentionRules } from '.';

describe('retention policy', () => {
  it('gives every class a rule with an action, a default period and its legal source', () => {
    expect(retentionRules().map((r) => r.id)).toEqual([...RETENTION_CLASSES]);
    for (const r of retentionRules()) {
      expect(['erase', 'delete', 'archive']).toContain(r.action);
      expect(r.days).toBeGreaterThanOrEqual(r.floor);
      expect(r.source.length).toBeGreaterThan(20);
    }
  });

  it('defaults each class to the policy and takes an agency period in days', () => {
    const c = loadRetentionConfig({ XIETONG_RETENTION_PERSONAL_DATA_DAYS: '30', XIETONG_RETENTION_AUDIT_DAYS: '180' });
    expect(c.days).toMatchObject({ 'personal-data': 30, audit: 180, quarantine: 180, records: 10950 });
    expect(c).toMatchObject({ intervalMs: 3_600_000, batchSize: 500 });
  });

  it.each([
    [
      'XIETONG_RETENTION_AUDIT_DAYS',
      '179',
      /at least 180 days, the legal floor for audit chain entries \(.*网络安全法/,
    ],
    [
      'XIETONG_RETENTION_ACCESS_RECORDS_DAYS',
      '90',
      /at least 180 days, the legal floor for personal-data access records/,
    ],
    ['XIETONG_RETENTION_QUARANTINE_DAYS', '7', /at least 180 days.*网络安全法/],
    ['XIETONG_RETENTION_PERSONAL_DATA_DAYS', 'soon', /must be a number of days from 0 to 36500, got "soon"/],
    ['XIETONG_RETENTION_RECORDS_DAYS', '-1', /must be a number of days/],
    ['XIETONG_RETENTION_BATCH_SIZE', '0', /XIETONG_RETENTION_BATCH_SIZE must be an integer from 1/],
  ])('refuses %s=%s at boot, naming the floor and its source', (name, value, message) => {
    const load = () => loadGatewayConfig({ XIETONG_AGENCY_ID: '341825', XIETONG_DEVELOPMENT: 'true', [name]: value });
    expect(load).toThrow(DomainError);
    expect(load).toThrow(message);
  });
});
