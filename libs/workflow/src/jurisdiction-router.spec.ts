import { Federation, type Manifest, type ManifestMember } from '@xietong/federation';
import { JurisdictionRouter } from '.';

const member = (id: string, name: string): ManifestMember => ({
  id,
  name,
  divisionCode: id,
  inbox: `xietong.inbox.${id}`,
  signingKeys: [],
  encryptionKey: { kid: `${id}-enc`, alg: 'ECDH-ES+A256KW', publicJwk: {} },
  accepts: { envelopes: [1], messageTypes: {} },
});

const ALL = ['LEAD', 'CASE_RESULT', 'COMPLAINT', 'COMPLAINT_RESULT', 'REMINDER'] as const;
const manifest: Manifest = {
  format: 'xietong-manifest/3',
  federation: 'xietong',
  serial: 1,
  issuer: 'test',
  issuedAt: '2026-11-01T00:00:00Z',
  expiresAt: '2026-12-31T00:00:00Z',
  members: [
    member('341825', '旌德县'),
    member('330100', '杭州市'),
    member('330000', '浙江省'),
    member('320100', '南京市'),
    member('341882', '广德市'),
  ],
  agreements: [
    { id: 'yrd', name: '长三角', members: ['310000', '320000', '330000', '340000'], messageTypes: [...ALL] },
    { id: 'nanjing-mc', name: '南京都市圈', members: ['320100', '341800'], messageTypes: ['LEAD'] },
  ],
  schemas: [],
  envelopes: [],
};
const federation = new Federation(manifest);
const router = JurisdictionRouter.load();

describe('JurisdictionRouter', () => {
  it('routes a subject in a district to the city member, not the province', () => {
    const r = router.route(federation, { sender: '341825', type: 'LEAD', basis: 'SEAT', seatCode: '330106' });
    expect(r).toMatchObject({ recipient: '330100', zone: 'yrd', divisionCode: '330106' });
    expect(r.explanation).toContain('330100 杭州市');
  });

  it('falls back to the province when no city member covers the code', () => {
    expect(
      router.route(federation, { sender: '341825', type: 'COMPLAINT', basis: 'SEAT', seatCode: '330206' }).recipient,
    ).toBe('330000');
  });

  it('uses the actual place of business for a seller inside a platform', () => {
    const r = router.route(federation, {
      sender: '341825',
      type: 'LEAD',
      basis: 'ACTUAL_PLACE_OF_BUSINESS',
      seatCode: '330106',
      actualCode: '320102',
    });
    expect(r.recipient).toBe('320100');
  });

  it('maps the pre-2019 code of 广德 to the current one', () => {
    expect(
      router.route(federation, { sender: '341825', type: 'LEAD', basis: 'SEAT', seatCode: '341822' }),
    ).toMatchObject({ recipient: '341882', divisionCode: '341882' });
  });

  it('explains a code no member covers', () => {
    expect(() =>
      router.route(federation, { sender: '341825', type: 'LEAD', basis: 'SEAT', seatCode: '110105' }),
    ).toThrow(/no member agency covers division 110105/);
  });

  it('explains members that cover the code but share no agreement for the type', () => {
    const lonely = new Federation({ ...manifest, agreements: [manifest.agreements[1]] });
    expect(() => lonely.agreementsFor('341825', '330100', 'LEAD')).not.toThrow();
    expect(() =>
      router.route(lonely, { sender: '341825', type: 'COMPLAINT', basis: 'SEAT', seatCode: '330106' }),
    ).toThrow(
      expect.objectContaining({
        code: 'NO_JURISDICTION',
        message: expect.stringContaining('share no agreement with 341825 for COMPLAINT'),
      }),
    );
  });

  it('lets a designated handler override, with its reason recorded', () => {
    const r = router.route(federation, {
      sender: '341825',
      type: 'LEAD',
      basis: 'DESIGNATED',
      designated: { agencyId: '320100', reason: '上级指定管辖' },
    });
    expect(r).toMatchObject({
      recipient: '320100',
      basis: 'DESIGNATED',
      explanation: expect.stringContaining('上级指定管辖'),
    });
    expect(() => router.route(federation, { sender: '341825', type: 'LEAD', basis: 'DESIGNATED' })).toThrow(
      /needs the designated agency and the reason/,
    );
  });
});
