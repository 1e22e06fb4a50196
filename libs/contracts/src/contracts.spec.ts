import { join } from 'node:path';
import {
  assertCompatible,
  assertEnvelopeCompatible,
  DomainError,
  envelopeCodec,
  EnvelopeCodec,
  parseSchema,
  rabinFingerprintOf,
  readEnvelopeSchemas,
  SchemaCatalog,
  validateBody,
} from '.';

const schemasDir = join(__dirname, '../../../schemas');
const catalog = SchemaCatalog.fromDirectory(schemasDir);

const lead = {
  leadNo: 'JD-2026-0001',
  source: 'ONLINE_MONITORING',
  riskTier: 'KEY',
  subject: {
    storeName: '某某旗舰店',
    operatorName: '杭州某某电子商务有限公司',
    operatorUscc: '91330100799655058B',
    registeredAddress: { address: '杭州市西湖区文三路1号', divisionCode: '330106' },
  },
  allegation: { category: 'ADVERTISING', legalBasis: [{ law: '广告法', article: '第二十八条' }], facts: '虚假宣传' },
  evidence: [
    { kind: 'screenshot', uri: 'oss://evidence/1.png', digest: 'sha256:00', capturedAt: '2026-11-20T02:00:00.000Z' },
  ],
  jurisdictionBasis: 'SEAT',
  replyDue: '2026-12-08',
};

describe('schema catalog', () => {
  it('loads every business schema and the receipt, keyed by SHA-256 fingerprint', () => {
    const versions = catalog
      .entries()
      .map((e) => `${e.type} v${e.version}`)
      .sort();
    expect(versions).toEqual([
      'ASSISTANCE_REPLY v1',
      'ASSISTANCE_REQUEST v1',
      'AUDIT_CHECKPOINT v1',
      'AUDIT_COUNTERSIGN v1',
      'CASE_RESULT v1',
      'COMPLAINT v1',
      'COMPLAINT_RESULT v1',
      'ERASURE_NOTICE v1',
      'LEAD v1',
      'LEAD v2',
      'PING v1',
      'RECEIPT v1',
      'REMINDER v1',
      'REMINDER v2',
    ]);
    const leadEntry = catalog.latest('LEAD');
    expect(leadEntry.version).toBe(2);
    expect(catalog.entries().find((e) => e.type === 'LEAD' && e.version === 1)?.fingerprint).not.toBe(
      leadEntry.fingerprint,
    );
    expect(leadEntry.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(catalog.find(leadEntry.fingerprint)).toBe(leadEntry);
  });

  it('round-trips a lead with ISO timestamps and local dates', () => {
    const t = catalog.latest('LEAD').avroType;
    const body = validateBody(t, lead);
    expect(t.fromBuffer(t.toBuffer(body))).toEqual({ ...body });
    expect((t.fromBuffer(t.toBuffer(body)) as typeof lead).replyDue).toBe('2026-12-08');
  });

  it('gives the symbols of an enum field, through nested records, nullable unions and arrays', () => {
    expect(catalog.symbols('LEAD', 'riskTier')).toEqual(['KEY', 'WARNING', 'GENERAL']);
    expect(catalog.symbols('CASE_RESULT', 'feedback.status')).toContain('CASE_OPENED');
    expect(catalog.symbols('CASE_RESULT', 'disposal.penalties')).toContain('FINE');
    expect(catalog.symbols('ASSISTANCE_REPLY', 'outcome')).toEqual(['COMPLETED', 'PARTIAL', 'EXTENSION_REQUESTED']);
  });

  it('refuses, naming it, a field that is missing or no enum', () => {
    expect(() => catalog.symbols('LEAD', 'leadNo')).toThrow('LEAD leadNo is no enum field of its schema');
    expect(() => catalog.symbols('LEAD', 'subject.nope')).toThrow(DomainError);
  });
});

describe('validateBody', () => {
  const t = catalog.latest('LEAD').avroType;
  const fail = (body: unknown) => {
    try {
      validateBody(t, body);
    } catch (e) {
      return e as DomainError;
    }
    throw new Error('expected a validation error');
  };

  it('names a missing nested field', () => {
    const bad = { ...lead, subject: { ...lead.subject, registeredAddress: { address: 'x' } } };
    const err = fail(bad);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.field).toBe('subject.registeredAddress.divisionCode');
  });

  it('names an enum field with a symbol outside the schema', () => {
    expect(fail({ ...lead, riskTier: 'HIGH' }).message).toContain('riskTier: expected one of KEY, WARNING, GENERAL');
  });

  it.each([
    ['a lone high surrogate', 'store \ud800'],
    ['a lone low surrogate', '\udc00 store'],
    ['a low surrogate before its high one', '\udc00\ud800'],
  ])('refuses ill-formed Unicode (%s) naming the field', (_, storeName) => {
    const err = fail({ ...lead, subject: { ...lead.subject, storeName } });
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.field).toBe('subject.storeName');
    expect(err.message).toContain('lone surrogate');
  });

  it('accepts characters outside the Basic Multilingual Plane (surrogate pairs)', () => {
    expect(validateBody(t, { ...lead, subject: { ...lead.subject, storeName: '𠀀😀店' } })).toMatchObject({
      subject: { storeName: '𠀀😀店' },
    });
  });

  it('refuses a field the schema does not know', () => {
    expect(fail({ ...lead, extra: 1 }).field).toBe('extra');
  });

  it('refuses an impossible date', () => {
    expect(fail({ ...lead, replyDue: '2026-02-30' }).field).toBe('replyDue');
  });
});

describe('assertCompatible', () => {
  const v1 = parseSchema({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] });

  it('accepts a new optional field with a default', () => {
    const v2 = parseSchema({
      type: 'record',
      name: 'R',
      fields: [
        { name: 'a', type: 'string' },
        { name: 'b', type: ['null', 'string'], default: null },
      ],
    });
    expect(() => assertCompatible(v1, v2)).not.toThrow();
  });

  it('refuses a new required field, explaining that the new version cannot read old data', () => {
    const v2 = parseSchema({
      type: 'record',
      name: 'R',
      fields: [
        { name: 'a', type: 'string' },
        { name: 'b', type: 'string' },
      ],
    });
    expect(() => assertCompatible(v1, v2)).toThrow(/new version cannot read data written with the old version/);
  });

  it('refuses removing a field old readers need without a default', () => {
    const v2 = parseSchema({
      type: 'record',
      name: 'R',
      fields: [{ name: 'c', type: ['null', 'string'], default: null }],
    });
    expect(() => assertCompatible(v1, v2)).toThrow(/readers of the old version cannot read/);
  });
});

describe('envelope single-object codec', () => {
  const codec = envelopeCodec(schemasDir);
  const env = {
    messageId: '7f1c7b5e-2c1a-4f5e-9d7e-1a2b3c4d5e6f',
    type: 'LEAD' as const,
    sender: '341825',
    recipient: '330100',
    zone: 'yrd',
    correlationId: 'JD-2026-0001',
    causationId: null,
    createdAt: '2026-11-27T08:00:00.000Z',
    bodySchema: Buffer.alloc(32, 1),
    body: Buffer.from('abc'),
  };

  it('starts with C3 01 and the envelope fingerprint, and round-trips', () => {
    const bytes = codec.encode(env);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    expect(codec.decode(bytes)).toEqual(env);
  });

  it.each([
    ['random bytes', Buffer.from('not avro at all, just text')],
    ['a truncated value', (b: Buffer) => b.subarray(0, b.length - 3)],
    ['trailing garbage', (b: Buffer) => Buffer.concat([b, Buffer.from([0])])],
  ])('refuses %s as MALFORMED', (_name, make) => {
    const bytes = typeof make === 'function' ? make(codec.encode(env)) : make;
    expect(() => codec.decode(bytes)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });
});

describe('envelope versions', () => {
  const [v1, v2] = readEnvelopeSchemas(schemasDir);
  const both = new EnvelopeCodec([v1, v2]);
  const onlyV1 = new EnvelopeCodec([v1]);
  const env = {
    messageId: '7f1c7b5e-2c1a-4f5e-9d7e-1a2b3c4d5e6f',
    type: 'LEAD' as const,
    sender: '341825',
    recipient: '330100',
    zone: 'yrd',
    correlationId: 'JD-2026-0001',
    causationId: null,
    createdAt: '2026-11-27T08:00:00.000Z',
    bodySchema: Buffer.alloc(32, 1),
    body: Buffer.from('abc'),
  };
  const header = (bytes: Buffer) => bytes.subarray(2, 10).toString('hex');
  const fp = (schema: object) => rabinFingerprintOf(parseSchema(schema)).toString('hex');
  /** A later envelope version with one more type, appended before UNKNOWN's position does not matter. */
  const v3 = JSON.parse(JSON.stringify(v2)) as { fields: { name: string; type: { symbols?: string[] } }[] };
  v3.fields.find((f) => f.name === 'type')!.type.symbols!.push('FUTURE_TYPE');

  it('writes each type with the oldest version that carries it', () => {
    expect(header(both.encode(env))).toBe(fp(v1));
    expect(header(both.encode({ ...env, type: 'ASSISTANCE_REQUEST' }))).toBe(fp(v2));
    expect(both.versionOf(both.encode({ ...env, type: 'ASSISTANCE_REPLY' }))).toBe(2);
    expect(() => onlyV1.encode({ ...env, type: 'ASSISTANCE_REQUEST' })).toThrow(/no local envelope version carries/);
  });

  it('reads v1 and v2 into the v2 reader', () => {
    expect(both.decode(onlyV1.encode(env))).toEqual(env);
    const assistance = { ...env, type: 'ASSISTANCE_REQUEST' as const };
    expect(both.decode(both.encode(assistance))).toEqual(assistance);
  });

  it('maps a type a newer writer added to UNKNOWN (the enum default), given the writer schema', () => {
    const writer = new EnvelopeCodec([v3]);
    const bytes = writer.encode({ ...env, type: 'FUTURE_TYPE' as never });
    expect(() => both.decode(bytes)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    both.addWriters([v3]);
    expect(both.decode(bytes)).toEqual({ ...env, type: 'UNKNOWN' });
    // Types both know still read as themselves.
    expect(both.decode(writer.encode(env))).toEqual(env);
  });

  it('lets a v1-only reader tell an unknown type from a malformed record once it has the writer schema', () => {
    const reader = new EnvelopeCodec([v1]);
    reader.addWriters([v2]);
    expect(reader.decode(both.encode({ ...env, type: 'ASSISTANCE_REPLY' }))).toMatchObject({ type: 'UNKNOWN' });
    expect(reader.decode(both.encode(env))).toEqual(env);
  });

  it('writes the audit witnessing in v3, which a v2 reader reads as UNKNOWN', () => {
    const shipped = readEnvelopeSchemas(schemasDir);
    expect(shipped.map((s) => (s as Record<string, unknown>)['xietong.version'])).toEqual([1, 2, 3, 4]);
    const all = new EnvelopeCodec(shipped);
    const checkpoint = all.encode({ ...env, type: 'AUDIT_CHECKPOINT' });
    expect(all.versionOf(checkpoint)).toBe(3);
    expect(all.versionOf(all.encode({ ...env, type: 'AUDIT_COUNTERSIGN' }))).toBe(3);
    expect(header(all.encode(env))).toBe(fp(v1));
    expect(all.decode(checkpoint)).toMatchObject({ type: 'AUDIT_CHECKPOINT' });
    const v2Reader = new EnvelopeCodec([v1, v2]);
    v2Reader.addWriters([shipped[2]]);
    expect(v2Reader.decode(checkpoint)).toMatchObject({ type: 'UNKNOWN' });
    expect(assertEnvelopeCompatible(v2, shipped[2])).toBe('both-ways');
  });

  it('writes the connectivity check and the erasure notice in v4, which a v3 reader reads as UNKNOWN', () => {
    const shipped = readEnvelopeSchemas(schemasDir);
    const all = new EnvelopeCodec(shipped);
    const ping = all.encode({ ...env, type: 'PING' });
    const notice = all.encode({ ...env, type: 'ERASURE_NOTICE' });
    expect([all.versionOf(ping), all.versionOf(notice)]).toEqual([4, 4]);
    // The older types keep their versions: a partner on v3 still reads the witnessing.
    expect(all.versionOf(all.encode({ ...env, type: 'AUDIT_CHECKPOINT' }))).toBe(3);
    expect(all.decode(notice)).toMatchObject({ type: 'ERASURE_NOTICE' });
    const v3Reader = new EnvelopeCodec(shipped.slice(0, 3));
    v3Reader.addWriters([shipped[3]]);
    expect(v3Reader.decode(ping)).toMatchObject({ type: 'UNKNOWN' });
    expect(v3Reader.decode(notice)).toMatchObject({ type: 'UNKNOWN' });
    expect(assertEnvelopeCompatible(shipped[2], shipped[3])).toBe('both-ways');
  });

  it('checks envelope versions by the envelope rules, on top of Avro resolution', () => {
    // v1 has no enum default: Avro alone refuses old readers on v2 data...
    expect(() => assertCompatible(parseSchema(v1), parseSchema(v2))).toThrow(/readers of the old version/);
    // ...which only ever get the types they know, written in v1.
    expect(assertEnvelopeCompatible(v1, v2)).toBe('known-types');
    expect(assertEnvelopeCompatible(v2, v3)).toBe('both-ways');
    const reordered = JSON.parse(JSON.stringify(v3)) as typeof v3;
    reordered.fields.find((f) => f.name === 'type')!.type.symbols!.reverse();
    expect(() => assertEnvelopeCompatible(v2, reordered)).toThrow(/keep the old MessageType symbols in their order/);
    const noDefault = JSON.parse(JSON.stringify(v3)) as { fields: { name: string; type: { default?: string } }[] };
    delete noDefault.fields.find((f) => f.name === 'type')!.type.default;
    expect(() => assertEnvelopeCompatible(v2, noDefault)).toThrow(/needs a `default` on its MessageType enum/);
    const dropped = JSON.parse(JSON.stringify(v2)) as { fields: { name: string }[] };
    dropped.fields = dropped.fields.filter((f) => f.name !== 'zone');
    expect(() => assertEnvelopeCompatible(v2, dropped)).toThrow(
      expect.objectContaining({ code: 'SCHEMA_INCOMPATIBLE' }),
    );
  });
});

describe('schema resolution with logical types', () => {
  it('reads timestamps and dates written by the same or a plain schema', () => {
    const logical = parseSchema({
      type: 'record',
      name: 'R',
      fields: [
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'd', type: { type: 'int', logicalType: 'date' } },
      ],
    });
    const plain = parseSchema({
      type: 'record',
      name: 'R',
      fields: [
        { name: 'at', type: 'long' },
        { name: 'd', type: 'int' },
      ],
    });
    const value = { at: '2026-11-27T08:00:00.000Z', d: '2026-02-27' };
    expect(logical.fromBuffer(logical.toBuffer(value), logical.createResolver(logical))).toEqual(value);
    const raw = plain.toBuffer({ at: Date.parse(value.at), d: Date.parse('2026-02-27T00:00:00Z') / 86_400_000 });
    expect(logical.fromBuffer(raw, logical.createResolver(plain))).toEqual(value);
  });
});
