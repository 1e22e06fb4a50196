import { entryHash, GENESIS_HASH, type AuditEntry } from '@xietong/persistence';
import { verifyChain } from './chain-verifier';

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const e = {
      seq,
      occurredAt: new Date(Date.UTC(2026, 10, 30, 8, 0, seq)).toISOString(),
      kind: 'SUBMITTED',
      actor: 'test',
      messageId: null,
      caseNo: null,
      partner: null,
      detail: '{}',
      prevHash,
    };
    const hash = entryHash(e);
    out.push({ ...e, hash });
    prevHash = hash;
  }
  return out;
}

describe('verifyChain against the head', () => {
  const entries = chain(5);

  it('accepts entries chained after the head was read, if the head matches its entry', async () => {
    expect((await verifyChain(entries, { seq: 3, hash: entries[2].hash })).finding).toBeUndefined();
    expect((await verifyChain(entries, { seq: 0, hash: GENESIS_HASH })).finding).toBeUndefined();
    expect((await verifyChain(entries, { seq: 5, hash: entries[4].hash })).finding).toBeUndefined();
  });

  it('fails when the head disagrees with the entry at its place', async () => {
    expect((await verifyChain(entries, { seq: 3, hash: entries[1].hash })).finding?.problem).toContain(
      'its head records entry 3',
    );
  });

  it('fails when the head records more entries than the chain holds (cut short)', async () => {
    expect((await verifyChain(entries.slice(0, 4), { seq: 5, hash: entries[4].hash })).finding).toEqual({
      seq: 5,
      problem: expect.stringContaining('entries were removed from the end'),
    });
  });
});

describe('verifyChain after an archived prefix was pruned', () => {
  const entries = chain(6);
  const anchor = { seq: 3, hash: entries[2].hash };

  it('starts from the archive anchor instead of genesis', async () => {
    expect(await verifyChain(entries.slice(3), { seq: 6, hash: entries[5].hash }, anchor)).toEqual({
      entries: 3,
      lastSeq: 6,
      lastHash: entries[5].hash,
    });
  });

  it('fails when the first remaining entry does not link to the anchor', async () => {
    const other = { seq: 3, hash: entries[1].hash };
    expect((await verifyChain(entries.slice(3), undefined, other)).finding).toEqual({
      seq: 4,
      problem: 'entry 4 does not link to the last archived entry 3 (the archive anchor)',
    });
  });

  it('fails when more was deleted than the archive covers', async () => {
    expect((await verifyChain(entries.slice(4), undefined, anchor)).finding?.problem).toBe(
      'entry 4 is missing before entry 5 (deleted?)',
    );
  });
});
