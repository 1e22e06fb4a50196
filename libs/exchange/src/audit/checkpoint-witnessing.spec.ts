import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SchemaCatalog, type Envelope, type MessageType } from '@xietong/contracts';
import { generateEncryptionKey, generateSigningKey, importSigningKey, type Signer } from '@xietong/crypto';
import { buildManifest, Federation, loadZoneData, type ManifestStore, type MemberKeys } from '@xietong/federation';
import type {
  AuditRepository,
  Database,
  MessageRepository,
  OutboxRepository,
  WitnessedCheckpoint,
} from '@xietong/persistence';
import type { VerifiedMessage } from '../inbound/verification-result';
import type { OutboxSignal } from '../outbound/outbox-signal';
import { silentLogs } from '../tokens';
import { WireCodec } from '../wire-codec';
import { signCheckpoint } from './checkpoint-signature';
import { witnessCheckpoint, keyLookup } from './countersignature';
import { CheckpointWitnessing, type WitnessStep } from './checkpoint-witnessing';

const JD = '341825';
const HZ = '330100';
const NJ = '320100';
const schemas = join(__dirname, '../../../../schemas');
const codec = new WireCodec(schemas);
const now = new Date('2026-11-30T02:00:00Z');

interface Party {
  id: string;
  signer: Signer;
  keys: MemberKeys;
}

async function party(id: string): Promise<Party> {
  const signing = await generateSigningKey('EdDSA', `${id}-sig-1`);
  const window = { notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-12-31T00:00:00Z' };
  return {
    id,
    signer: { kid: signing.kid, alg: 'EdDSA', key: await importSigningKey(signing.privateJwk, 'EdDSA') },
    keys: { id, signing: [{ ...signing, ...window }], encryption: await generateEncryptionKey(`${id}-enc-1`) },
  };
}

/** The witnessing of `self` with its repositories in memory: the checkpoints it signed and those it witnessed. */
function witnessingOf(self: Party, federation: Federation, held: { signed?: object[]; witnessed?: object[] } = {}) {
  const audit = {
    checkpointAt: async (seq: number) =>
      (held.signed as { seq: number }[] | undefined)?.find((c) => c.seq === seq) ?? undefined,
    witnessedAt: async (agency: string, seq: number, witness: string) =>
      (held.witnessed as WitnessedCheckpoint[] | undefined)?.find(
        (w) => w.agency === agency && w.seq === seq && w.witness === witness,
      ),
  } as unknown as AuditRepository;
  return new CheckpointWitnessing(
    self.id,
    { federation } as unknown as ManifestStore,
    codec,
    {} as Database,
    {} as MessageRepository,
    {} as OutboxRepository,
    audit,
    self.signer,
    {} as OutboxSignal,
    silentLogs,
  );
}

function message(type: MessageType, from: string, to: string, body: object, causationId: string | null = null) {
  const envelope = {
    messageId: randomUUID(),
    type,
    sender: from,
    recipient: to,
    zone: 'yrd',
    correlationId: `AUDIT-${from}-1`,
    causationId,
    createdAt: now.toISOString(),
  } as Envelope;
  return {
    ok: true,
    envelope,
    body,
    record: {},
    signature: 'x..y',
    kid: `${from}-sig-1`,
  } as unknown as VerifiedMessage;
}

/** A federation of the three in which some members declare fewer types (manifest `accepts`). */
function federationWithout(parties: Party[], without: Record<string, string[]>): Federation {
  const catalog = SchemaCatalog.fromDirectory(schemas);
  const capabilities = Object.fromEntries(
    Object.entries(without).map(([id, types]) => [
      id,
      {
        envelopes: catalog.envelopeVersions(),
        messageTypes: Object.fromEntries(
          Object.entries(catalog.typeVersions()).filter(([t]) => !types.includes(t)),
        ) as Record<string, number[]>,
      },
    ]),
  );
  return new Federation(
    buildManifest({
      serial: 2,
      issuer: 'zone-authority',
      issuedAt: now,
      validDays: 30,
      members: parties.map((p) => p.keys),
      zones: loadZoneData(),
      catalog,
      capabilities,
    }),
  );
}

/** The sending side in memory: what one store() call writes in its transaction. */
function sendingSide(self: Party, federation: Federation, exchanged: string[], fresh = true) {
  const written = { checkpoints: 0, messages: [] as { type: string; recipient: string }[], audit: [] as object[] };
  const em = {};
  const witnessing = new CheckpointWitnessing(
    self.id,
    { federation } as unknown as ManifestStore,
    codec,
    { transaction: async (f: (em: object) => Promise<unknown>) => f(em) } as unknown as Database,
    {
      insertMany: async (_: object, rows: { type: string; recipient: string }[]) => void written.messages.push(...rows),
    } as unknown as MessageRepository,
    { insertMany: async () => undefined } as unknown as OutboxRepository,
    {
      saveCheckpoint: async () => {
        written.checkpoints++;
        return fresh;
      },
      partnersBetween: async (after: number, upto: number, kinds: readonly string[]) => {
        expect([after, upto, kinds]).toEqual([10, 20, ['SUBMITTED', 'RECEIVED', 'RECEIPT_SENT', 'RECEIPT_RECEIVED']]);
        return exchanged;
      },
      append: async (_: object, entries: object[]) => void written.audit.push(...entries),
    } as unknown as AuditRepository,
    self.signer,
    { notify: () => undefined } as unknown as OutboxSignal,
    silentLogs,
  );
  return { witnessing, written };
}

async function prepared(w: CheckpointWitnessing, m: VerifiedMessage, federation: Federation): Promise<WitnessStep> {
  const steps = await w.prepare([m], federation, now);
  return steps.get(m.envelope.messageId)!;
}

describe('CheckpointWitnessing', () => {
  let jd: Party, hz: Party, nj: Party;
  let federation: Federation;
  const checkpointOf = (p: Party, seq: number, hash = 'a'.repeat(64)) =>
    signCheckpoint({ agency: p.id, seq, hash, signedAt: now.toISOString() }, p.signer);

  beforeAll(async () => {
    [jd, hz, nj] = await Promise.all([party(JD), party(HZ), party(NJ)]);
    federation = new Federation(
      buildManifest({
        serial: 1,
        issuer: 'zone-authority',
        issuedAt: now,
        validDays: 30,
        members: [jd.keys, hz.keys, nj.keys],
        zones: loadZoneData(),
        catalog: SchemaCatalog.fromDirectory(schemas),
      }),
    );
  });

  it('sends a checkpoint only to the partners it exchanged with that declare AUDIT_CHECKPOINT', async () => {
    const fed = federationWithout([jd, hz, nj], { [NJ]: ['AUDIT_CHECKPOINT'] });
    const { witnessing, written } = sendingSide(jd, fed, [HZ, NJ]);
    const checkpoint = { seq: 20, hash: 'a'.repeat(64), signedAt: now, jws: await checkpointOf(jd, 20) };
    expect(await witnessing.store(checkpoint, 10, now)).toEqual([HZ]);
    expect(written.checkpoints).toBe(1);
    expect(written.messages).toEqual([expect.objectContaining({ type: 'AUDIT_CHECKPOINT', recipient: HZ })]);
    expect(written.audit).toEqual([
      expect.objectContaining({ kind: 'CHECKPOINT_SENT', partner: HZ, detail: expect.objectContaining({ seq: 20 }) }),
    ]);
  });

  it('sends nothing when it cannot read countersignatures itself, and stores the checkpoint all the same', async () => {
    const fed = federationWithout([jd, hz, nj], { [JD]: ['AUDIT_COUNTERSIGN'] });
    const { witnessing, written } = sendingSide(jd, fed, [HZ, NJ]);
    const checkpoint = { seq: 20, hash: 'a'.repeat(64), signedAt: now, jws: await checkpointOf(jd, 20) };
    expect(await witnessing.store(checkpoint, 10, now)).toEqual([]);
    expect(written).toMatchObject({ checkpoints: 1, messages: [], audit: [] });
  });

  it('does not send again a checkpoint another process stored first', async () => {
    const { witnessing, written } = sendingSide(jd, federation, [HZ], false);
    const checkpoint = { seq: 20, hash: 'a'.repeat(64), signedAt: now, jws: await checkpointOf(jd, 20) };
    expect(await witnessing.store(checkpoint, 10, now)).toEqual([]);
    expect(written.messages).toEqual([]);
  });

  it("countersigns a partner's checkpoint and answers the sender with it", async () => {
    const jws = await checkpointOf(jd, 12);
    const m = message('AUDIT_CHECKPOINT', JD, HZ, { seq: 12, hash: 'a'.repeat(64), checkpoint: jws });
    const step = await prepared(witnessingOf(hz, federation), m, federation);
    expect(step).toMatchObject({ ok: true, witnessed: { agency: JD, seq: 12, witness: HZ, checkpoint: jws } });
    const { reply } = step as Extract<WitnessStep, { ok: true }>;
    expect(reply?.row).toMatchObject({
      type: 'AUDIT_COUNTERSIGN',
      sender: HZ,
      recipient: JD,
      causationId: m.envelope.messageId,
      correlationId: m.envelope.correlationId,
    });
    expect(reply?.outbox.topic).toBe(federation.member(JD)!.inbox);
  });

  it.each([
    [
      'a checkpoint signed with another key under the sender kid',
      async () => {
        const impostor = await party(JD);
        return { seq: 3, hash: 'a'.repeat(64), checkpoint: await checkpointOf(impostor, 3) };
      },
      'SIGNATURE_INVALID',
      /audit checkpoint signature does not verify/,
    ],
    [
      "a checkpoint of another agency's chain",
      async () => ({ seq: 3, hash: 'a'.repeat(64), checkpoint: await checkpointOf(nj, 3) }),
      'MALFORMED',
      /341825 sent a checkpoint of 320100's chain/,
    ],
    [
      'a body whose seq differs from the signed one',
      async () => ({ seq: 4, hash: 'a'.repeat(64), checkpoint: await checkpointOf(jd, 3) }),
      'MALFORMED',
      /seq and hash differ from the signed checkpoint/,
    ],
    [
      'something that is not a JWS',
      async () => ({ seq: 3, hash: 'a'.repeat(64), checkpoint: 'not-a-jws' }),
      'MALFORMED',
      /not a compact JWS/,
    ],
  ])('refuses %s', async (_what, body, code, detail) => {
    const step = await prepared(
      witnessingOf(hz, federation),
      message('AUDIT_CHECKPOINT', JD, HZ, await body()),
      federation,
    );
    expect(step).toMatchObject({ ok: false, code, detail: expect.stringMatching(detail) });
  });

  it('refuses a checkpoint contradicting one it witnessed at the same entry (a rewritten chain)', async () => {
    const earlier = await witnessCheckpoint(
      await checkpointOf(jd, 7, 'b'.repeat(64)),
      { ...hz.signer, agency: HZ },
      keyLookup(federation),
      now,
    );
    const rewritten = await checkpointOf(jd, 7, 'c'.repeat(64));
    const step = await prepared(
      witnessingOf(hz, federation, { witnessed: [earlier] }),
      message('AUDIT_CHECKPOINT', JD, HZ, { seq: 7, hash: 'c'.repeat(64), checkpoint: rewritten }),
      federation,
    );
    expect(step).toMatchObject({
      ok: false,
      code: 'CHECKPOINT_CONFLICT',
      detail: expect.stringMatching(
        /341825 signed entry 7 of its chain with hash c+, but this gateway witnessed b+ there/,
      ),
    });
  });

  it('keeps a countersignature of its own checkpoint, marking the checkpoint message answered', async () => {
    const jws = await checkpointOf(jd, 12);
    const own = { seq: 12, hash: 'a'.repeat(64), signedAt: now, jws };
    const w = await witnessCheckpoint(jws, { ...hz.signer, agency: HZ }, keyLookup(federation), now);
    const checkpointMessage = randomUUID();
    const m = message(
      'AUDIT_COUNTERSIGN',
      HZ,
      JD,
      { seq: 12, hash: own.hash, countersignature: w.countersignature },
      checkpointMessage,
    );
    const step = await prepared(witnessingOf(jd, federation, { signed: [own] }), m, federation);
    expect(step).toMatchObject({
      ok: true,
      answers: checkpointMessage,
      witnessed: { agency: JD, seq: 12, witness: HZ, checkpoint: jws, countersignature: w.countersignature },
    });
  });

  it.each([
    [
      'of a checkpoint it never signed',
      13,
      'MALFORMED',
      /countersigned checkpoint 13 .* which this gateway never signed/,
    ],
    ['over another checkpoint JWS at that entry', 12, 'SIGNATURE_INVALID', /does not cover this checkpoint/],
  ])('refuses a countersignature %s', async (_what, seq, code, detail) => {
    // 杭州 countersigned a checkpoint 12 with the same content but signed at another time.
    const other = await signCheckpoint(
      { agency: JD, seq: 12, hash: 'a'.repeat(64), signedAt: new Date(now.getTime() + 1).toISOString() },
      jd.signer,
    );
    const w = await witnessCheckpoint(other, { ...hz.signer, agency: HZ }, keyLookup(federation), now);
    const own = { seq: 12, hash: 'a'.repeat(64), signedAt: now, jws: await checkpointOf(jd, 12) };
    const m = message('AUDIT_COUNTERSIGN', HZ, JD, {
      seq,
      hash: 'a'.repeat(64),
      countersignature: w.countersignature,
    });
    const step = await prepared(witnessingOf(jd, federation, { signed: [own] }), m, federation);
    expect(step).toMatchObject({ ok: false, code, detail: expect.stringMatching(detail) });
  });

  it("refuses a countersignature signed by someone other than the message's sender", async () => {
    const jws = await checkpointOf(jd, 12);
    const own = { seq: 12, hash: 'a'.repeat(64), signedAt: now, jws };
    const byNanjing = await witnessCheckpoint(jws, { ...nj.signer, agency: NJ }, keyLookup(federation), now);
    const m = message('AUDIT_COUNTERSIGN', HZ, JD, {
      seq: 12,
      hash: own.hash,
      countersignature: byNanjing.countersignature,
    });
    const step = await prepared(witnessingOf(jd, federation, { signed: [own] }), m, federation);
    expect(step).toMatchObject({ ok: false, code: expect.stringMatching(/SIGNATURE_INVALID|UNKNOWN_KEY/) });
  });
});
