import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as avro from 'avsc';
import { sampleComplaint, sampleLead } from '@xietong/contracts';
import { generateSigningKey } from '@xietong/crypto';
import { federationFiles, readJwk, signManifest, type ManifestAgreement } from '@xietong/federation';
import { eventually, receiptItems, RecordForge, startFederation, type Harness } from '@xietong/testing';

const JD = '341825';
const HZ = '330100';
const NJ = '320100';
const ALL = ['LEAD', 'CASE_RESULT', 'COMPLAINT', 'COMPLAINT_RESULT', 'REMINDER'] as const;

// 南京 and 杭州 only agreed to exchange leads; 旌德 and 杭州 exchange everything.
const agreements: ManifestAgreement[] = [
  { id: 'yrd', name: '长三角', members: [JD, HZ], messageTypes: [...ALL] },
  { id: 'leads-only', name: 'test zone', members: [NJ, HZ], messageTypes: ['LEAD'] },
];

describe('inbound quarantine: every record that can never be valid is set aside and the partition moves on', () => {
  let h: Harness;
  let forge: RecordForge;
  let seq = 0;

  beforeAll(async () => {
    h = await startFederation({ members: [JD, HZ, NJ], dialect: 'postgres', agreements });
    forge = new RecordForge(h);
  });
  afterAll(async () => {
    await forge?.close();
    await h?.close();
  });

  /** Sends the bad record, then a good one behind it on the same key, and checks both outcomes. */
  async function expectQuarantined(
    bad: { value: Buffer; headers?: Record<string, string> },
    reason: string,
    messageId?: string,
  ) {
    const good = await forge.forge({
      from: NJ,
      to: HZ,
      type: 'LEAD',
      zone: 'leads-only',
      body: sampleLead(`NJ-GOOD-${++seq}`, seq),
    });
    await forge.send(HZ, [
      { ...bad, key: 'same-key' },
      { ...good, key: 'same-key' },
    ]);
    const q = await eventually(`quarantine ${reason}`, async () =>
      (await h.quarantine(HZ).list(reason)).find((r) => !messageId || r.messageId === messageId),
    );
    expect(q).toMatchObject({ reasonCode: reason, value: bad.value });
    await eventually('the good message behind it', () => h.messages(HZ).find(good.messageId));
    await eventually('copy on the dead-letter topic', async () =>
      (await h.quarantine(HZ).list(reason)).find((r) => r.id === q.id && r.deadLettered),
    );
    return q;
  }

  it('quarantines a value with one flipped byte as SIGNATURE_INVALID and sends the sender a rejection receipt', async () => {
    const rec = await forge.forge({
      from: NJ,
      to: HZ,
      type: 'LEAD',
      zone: 'leads-only',
      body: sampleLead('NJ-FLIP-1'),
    });
    const value = Buffer.from(rec.value);
    value[value.length - 5] ^= 0x01;
    await expectQuarantined({ value, headers: rec.headers }, 'SIGNATURE_INVALID', rec.messageId);
    const item = await eventually('rejection receipt at 320100', async () =>
      (await receiptItems(h.messages(NJ), 'in')).find((i) => i.messageId === rec.messageId),
    );
    expect(item).toMatchObject({ sender: HZ, status: 'REJECTED', reasonCode: 'SIGNATURE_INVALID' });
  });

  it('quarantines a record signed by a key that is not in the manifest as UNKNOWN_KEY', async () => {
    const rogue = await generateSigningKey('EdDSA', '320100-sig-rogue');
    const rec = await forge.forge({
      from: NJ,
      to: HZ,
      type: 'LEAD',
      zone: 'leads-only',
      body: sampleLead('NJ-ROGUE-1'),
      key: rogue.privateJwk,
    });
    await expectQuarantined(rec, 'UNKNOWN_KEY', rec.messageId);
  });

  it('quarantines a record signed with a key outside its validity window as KEY_NOT_VALID (after a live manifest update)', async () => {
    const files = federationFiles(h.dir);
    const expired = await generateSigningKey('ES256', '320100-sig-0');
    const current = h.gateway(HZ).app.get((await import('@xietong/federation')).ManifestStore).federation.manifest;
    const manifest = structuredClone(current);
    manifest.serial = current.serial + 1;
    manifest.members
      .find((m) => m.id === NJ)!
      .signingKeys.push({
        kid: expired.kid,
        alg: 'ES256',
        notBefore: '2025-01-01T00:00:00.000Z',
        notAfter: '2025-12-31T00:00:00.000Z',
        publicJwk: expired.publicJwk,
      });
    writeFileSync(files.manifest, await signManifest(manifest, await readJwk(files.authorityPrivate)));
    const { ManifestStore } = await import('@xietong/federation');
    await eventually(
      'manifest refresh at 330100',
      async () => h.gateway(HZ).app.get(ManifestStore).federation.serial === manifest.serial,
    );
    const rec = await forge.forge({
      from: NJ,
      to: HZ,
      type: 'LEAD',
      zone: 'leads-only',
      body: sampleLead('NJ-OLDKEY-1'),
      key: expired.privateJwk,
    });
    const q = await expectQuarantined(rec, 'KEY_NOT_VALID', rec.messageId);
    expect(q.reason).toContain('2025-12-31');
  });

  it('quarantines a message type the sender has no agreement for as NOT_IN_AGREEMENT', async () => {
    const rec = await forge.forge({
      from: NJ,
      to: HZ,
      type: 'COMPLAINT',
      zone: 'leads-only',
      body: { ...sampleComplaint('NJ-TS-1'), complainant: 'eyJ.x.y.z.w' },
    });
    await expectQuarantined(rec, 'NOT_IN_AGREEMENT', rec.messageId);
  });

  it('quarantines a message addressed to another agency as WRONG_RECIPIENT', async () => {
    const rec = await forge.forge({
      from: NJ,
      to: JD,
      type: 'LEAD',
      zone: 'leads-only',
      body: sampleLead('NJ-WRONG-1'),
    });
    await expectQuarantined(rec, 'WRONG_RECIPIENT', rec.messageId);
  });

  it('quarantines a body written with a schema that is not in the signed catalog as UNKNOWN_SCHEMA', async () => {
    const rec = await forge.forge({
      from: NJ,
      to: HZ,
      type: 'LEAD',
      zone: 'leads-only',
      body: sampleLead('NJ-SCHEMA-1'),
    });
    const env = forge.codec.envelope.decode(rec.value);
    const rogueSchema = avro.Type.forSchema({
      type: 'record',
      name: 'Lead',
      namespace: 'xietong.business',
      fields: [
        { name: 'leadNo', type: 'string' },
        { name: 'secret', type: 'string' },
      ],
    });
    const value = forge.codec.envelope.encode({
      ...env,
      bodySchema: rogueSchema.fingerprint('sha256'),
      body: rogueSchema.toBuffer({ leadNo: 'NJ-SCHEMA-1', secret: 'x' }),
    });
    const { signDetached, importKey } = await import('@xietong/crypto');
    const jwk = await readJwk(federationFiles(h.dir).signingKey(NJ));
    const jws = await signDetached(value, { kid: jwk.kid!, alg: 'EdDSA', key: await importKey(jwk) });
    await expectQuarantined({ value, headers: { 'xietong-jws': jws } }, 'UNKNOWN_SCHEMA', env.messageId);
  });

  it('quarantines random bytes as MALFORMED', async () => {
    await expectQuarantined({ value: randomBytes(200), headers: { 'xietong-jws': 'garbage' } }, 'MALFORMED');
  });

  it('quarantines a record without a signature header as SIGNATURE_MISSING', async () => {
    const rec = await forge.forge({
      from: NJ,
      to: HZ,
      type: 'LEAD',
      zone: 'leads-only',
      body: sampleLead('NJ-NOSIG-1'),
    });
    await expectQuarantined({ value: rec.value }, 'SIGNATURE_MISSING', rec.messageId);
  });

  it('accepts a messageId once and records the replay without storing or answering it again', async () => {
    const rec = await forge.forge({
      from: NJ,
      to: HZ,
      type: 'LEAD',
      zone: 'leads-only',
      body: sampleLead('NJ-REPLAY-1'),
    });
    await forge.send(HZ, [rec]);
    await eventually('first copy stored', () => h.messages(HZ).find(rec.messageId));
    await expectQuarantined(rec, 'REPLAY', rec.messageId);
    expect((await h.messages(HZ).list({ direction: 'in', correlationId: 'NJ-REPLAY-1' })).length).toBe(1);
    const answers = (await receiptItems(h.messages(HZ), 'out')).filter((i) => i.messageId === rec.messageId);
    expect(answers).toEqual([expect.objectContaining({ status: 'ACCEPTED' })]);
  });
});
