import { Test } from '@nestjs/testing';
import { DomainError, sampleErasureNotice, type Envelope } from '@xietong/contracts';
import { MessageRepository } from '@xietong/persistence';
import type { VerifiedMessage } from '../inbound/verification-result';
import { Logs, provideValue } from '../tokens';
import { ErasureNotices } from './erasure-notices';
import { PersonalDataEraser, UnsupportedPersonalDataEraser } from './personal-data-eraser';

const SELF = '330100';
const JD = '341825';
const NJ = '320100';
const held = [
  { messageId: 'm-1', sender: JD, recipient: SELF },
  { messageId: 'm-2', sender: SELF, recipient: JD },
];

const notice = (sender: string, ids: string[]): VerifiedMessage =>
  ({
    ok: true,
    envelope: { messageId: `n-${sender}-${ids.join()}`, type: 'ERASURE_NOTICE', sender } as Envelope,
    body: sampleErasureNotice('TS-1', ids),
  }) as unknown as VerifiedMessage;

async function build(eraser: PersonalDataEraser) {
  const parties = jest.fn(async (ids: readonly string[]) => held.filter((m) => ids.includes(m.messageId)));
  const module = await Test.createTestingModule({
    providers: [
      ErasureNotices,
      provideValue(Logs, () => () => undefined),
      { provide: MessageRepository, useValue: { parties } },
      { provide: PersonalDataEraser, useValue: eraser },
    ],
  }).compile();
  return module.get(ErasureNotices);
}

describe('ErasureNotices', () => {
  it('hands the messages a party of them asks about to the eraser, with the reason', async () => {
    const erase = jest.fn(async () => undefined);
    const steps = await (await build({ erase })).prepare([notice(JD, ['m-1', 'm-2', 'never-held'])]);
    expect([...steps.values()]).toEqual([{ ok: true }]);
    expect(erase).toHaveBeenCalledWith(['m-1', 'm-2'], 'PURPOSE_FULFILLED');
  });

  it('refuses ERASURE_NOT_PARTY a member that neither sent nor received them, without erasing', async () => {
    const erase = jest.fn(async () => undefined);
    const steps = await (await build({ erase })).prepare([notice(NJ, ['m-1'])]);
    expect([...steps.values()]).toEqual([
      { ok: false, code: 'ERASURE_NOT_PARTY', detail: `${NJ} neither sent nor received message(s) m-1 of case TS-1` },
    ]);
    expect(erase).not.toHaveBeenCalled();
  });

  it('accepts a notice about messages it never held (nothing to erase)', async () => {
    const erase = jest.fn(async () => undefined);
    const steps = await (await build({ erase })).prepare([notice(NJ, ['elsewhere'])]);
    expect([...steps.values()]).toEqual([{ ok: true }]);
    expect(erase).not.toHaveBeenCalled();
  });

  it('refuses ERASURE_UNSUPPORTED with the default eraser, and lets a transient failure fail the batch', async () => {
    const steps = await (await build(new UnsupportedPersonalDataEraser())).prepare([notice(JD, ['m-1'])]);
    expect([...steps.values()]).toEqual([
      { ok: false, code: 'ERASURE_UNSUPPORTED', detail: expect.stringMatching(/cannot erase personal data yet/) },
    ]);
    const down = await build({ erase: async () => Promise.reject(new Error('database down')) });
    await expect(down.prepare([notice(JD, ['m-1'])])).rejects.toThrow('database down');
    const refused = await build({ erase: async () => Promise.reject(new DomainError('FORBIDDEN', 'legal hold')) });
    expect([...(await refused.prepare([notice(JD, ['m-1'])])).values()]).toEqual([
      { ok: false, code: 'FORBIDDEN', detail: 'legal hold' },
    ]);
  });
});
