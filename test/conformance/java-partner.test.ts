// (b) Records written by the Java checker (Apache Avro BinaryMessageEncoder, Nimbus JOSE signing
// with EdDSA and ES256, Nimbus JWE for the complainant) go over the real broker into a running
// gateway, which accepts them and answers ACCEPTED.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken } from '@xietong/dev';
import { loadGatewayConfig } from '@xietong/config';
import { sampleComplaint, sampleLead } from '@xietong/contracts';
import { federationFiles, planKafka, readJwk, verifyManifest } from '@xietong/federation';
import { startGateway, type RunningGateway } from '@xietong/gateway';
import { applyKafkaPlan, createKafka, RecordPublisher } from '@xietong/messaging';
import { MessageRepository, QuarantineRepository } from '@xietong/persistence';
import { brokers, eventually, freshDatabase, receiptItems, testLogLevels } from '@xietong/testing';
import { VECTOR_RECEIVER, VECTOR_SENDER, writeConformanceVectors } from '../../apps/cli/src/conformance-vectors';
import { runChecker } from './java-checker';
import { verifyWithTypeScript } from './vectors';

interface Written {
  file: string;
  topic: string;
  messageId: string;
  type: string;
  alg: string;
  kid: string;
}

describe('records written by the Java checker', () => {
  const now = new Date();
  const prefix = `cj${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const dir = mkdtempSync(join(tmpdir(), 'xt-java-partner-'));
  const out = join(dir, 'java-records');
  let written: Written[];
  let gateway: RunningGateway | undefined;
  let publisher: RecordPublisher | undefined;
  const record = (w: Written) => ({
    topic: w.topic,
    key: readFileSync(join(out, `${w.file}.key`), 'utf8'),
    value: readFileSync(join(out, `${w.file}.value`)),
    jws: readFileSync(join(out, `${w.file}.jws`), 'utf8'),
  });

  beforeAll(async () => {
    // A federation valid now (the gateway checks keys against its clock), on topics of our own.
    await writeConformanceVectors(dir, { now, federation: prefix });
    const run = runChecker(['write', dir, out, now.toISOString()]);
    if (run.status !== 0) throw new Error(`Java writer failed:\n${run.stdout}${run.stderr}`);
    written = (JSON.parse(readFileSync(join(out, 'records.json'), 'utf8')) as { records: Written[] }).records;
  });

  afterAll(async () => {
    await publisher?.close();
    await gateway?.close();
  });

  it('cover every business message type, signed with EdDSA and with ES256', () => {
    expect(written.map((w) => w.type).sort()).toEqual(
      ['ASSISTANCE_REQUEST', 'CASE_RESULT', 'COMPLAINT', 'COMPLAINT_RESULT', 'LEAD', 'REMINDER'].sort(),
    );
    expect(new Set(written.map((w) => w.alg))).toEqual(new Set(['EdDSA', 'ES256']));
    // Nimbus writes {"kid","alg"}: the receiver verifies over the protected header as sent.
    const header = JSON.parse(Buffer.from(record(written[0]).jws.split('.')[0], 'base64url').toString('utf8'));
    expect(Object.keys(header)).toEqual(['kid', 'alg']);
  });

  it('pass the TypeScript verifier', async () => {
    for (const w of written) {
      const r = record(w);
      const got = await verifyWithTypeScript(join(dir, 'federation'), {
        receiver: VECTOR_RECEIVER,
        now: now.toISOString(),
        acceptedMessageIds: [],
        record: { topic: r.topic, key: r.key, value: r.value.toString('hex'), headers: { 'xietong-jws': r.jws } },
      });
      expect({ file: w.file, ...got, body: undefined }).toEqual({ file: w.file, outcome: 'ACCEPTED', body: undefined });
    }
  });

  it('are accepted by a running gateway over the broker, which answers ACCEPTED', async () => {
    const kafka = createKafka({ brokers: brokers().split(','), clientId: 'xietong-conformance' });
    // The zone operator's step: the federation's topics (gateways create none).
    const manifest = await verifyManifest(
      readFileSync(join(dir, 'federation', 'manifest.jws'), 'utf8'),
      await readJwk(join(dir, 'federation', 'authority.public.jwk.json')),
    );
    await applyKafkaPlan(kafka, planKafka(manifest, { replicationFactor: 1, minInsyncReplicas: 1 }));
    const db = freshDatabase('sqlite', `${prefix}_${VECTOR_RECEIVER}`);
    gateway = await startGateway(
      loadGatewayConfig({
        XIETONG_AGENCY_ID: VECTOR_RECEIVER,
        XIETONG_DEVELOPMENT: 'true',
        XIETONG_FEDERATION_DIR: join(dir, 'federation'),
        KAFKA_BROKERS: brokers(),
        XIETONG_FEDERATION_ID: prefix,
        XIETONG_HTTP_PORT: '0',
        XIETONG_DATABASE_URL: db.type === 'better-sqlite3' ? `sqlite:${db.file}` : '',
      }),
      { logLevels: testLogLevels() },
    );
    // The Java partner's CASE_RESULT and COMPLAINT_RESULT answer a lead and a complaint that this
    // gateway transferred to it: submit those first, as the county system would.
    const token = await issueToken(
      await readJwk(federationFiles(join(dir, 'federation')).authIssuerKey(VECTOR_RECEIVER)),
      {
        issuer: 'xietong-local-idp',
        audience: `xietong-gateway-${VECTOR_RECEIVER}`,
        subject: 'conformance-test',
        roles: ['submitter'],
      },
    );
    const submit = async (kind: string, body: unknown) => {
      const res = await fetch(`${gateway!.url}/api/v1/${kind}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      return { status: res.status, json: await res.json() };
    };
    expect(
      await submit('leads', { body: { ...sampleLead('XS-341825-2026-0007'), jurisdictionBasis: 'SEAT' } }),
    ).toMatchObject({ status: 202, json: { recipient: VECTOR_SENDER } });
    expect(
      await submit('complaints', { recipient: VECTOR_SENDER, body: sampleComplaint('TS-341825-2026-0003') }),
    ).toMatchObject({ status: 202 });

    publisher = new RecordPublisher(kafka);
    await publisher.publish(
      written.map((w) => {
        const r = record(w);
        return { topic: r.topic, key: r.key, value: r.value, headers: { 'xietong-jws': r.jws } };
      }),
    );
    const messages = gateway.app.get(MessageRepository);
    const items = await eventually(
      'receipt items for every Java record',
      async () => {
        const all = await receiptItems(messages, 'out');
        return written.every((w) => all.some((i) => i.messageId === w.messageId)) && all;
      },
      60_000,
    );
    for (const w of written) {
      const item = items.find((i) => i.messageId === w.messageId);
      expect({ type: w.type, status: item?.status, reason: item?.reasonCode }).toEqual({
        type: w.type,
        status: 'ACCEPTED',
        reason: null,
      });
      expect(await messages.find(w.messageId)).toMatchObject({ direction: 'in', sender: VECTOR_SENDER });
    }
    expect(await gateway.app.get(QuarantineRepository).list()).toEqual([]);
  });
});
