import { sha256 } from '../retention/erasure-claim';
import { sampleComplaint, sampleLead } from '@xietong/contracts';
import type { ArchivedMessage } from '@xietong/persistence';
import { archivedMessage, archiveManifest, REMOVED } from './archive-format';

const row = (type: string, body: object): ArchivedMessage => ({
  messageId: '00000000-0000-4000-8000-000000000001',
  direction: 'out',
  type,
  sender: '341825',
  recipient: '330100',
  zone: 'yangtze-delta',
  correlationId: 'C-1',
  causationId: null,
  createdAt: new Date('2026-12-01T00:00:00Z'),
  bodySchema: 'f'.repeat(16),
  body: JSON.stringify(body),
  status: 'accepted',
  reasonCode: null,
  reason: null,
  sentAt: null,
  receiptAt: null,
  receivedAt: null,
  signature: 'eyJhbGciOiJFZERTQSJ9..c2ln',
  manifestSerial: 1,
  record: Buffer.from('signed record bytes'),
});

describe('archived messages', () => {
  it("replaces the complainant's JWE and keeps only the digest of the signed bytes that hold it", () => {
    const complaint = { ...sampleComplaint('TS-1'), complainant: 'eyJhbGciOiJFQ0RILUVTIn0.jwe.parts' };
    const a = archivedMessage(row('COMPLAINT', complaint));
    expect(JSON.parse(a.body as string).complainant).toBe(REMOVED);
    expect(a.body).not.toContain('jwe.parts');
    expect(a).toMatchObject({
      personalDataRemoved: true,
      record: null,
      recordSha256: sha256(Buffer.from('signed record bytes')),
    });
  });

  it('keeps the body text and the signed bytes of a message without personal data', () => {
    const body = sampleLead('L-1');
    const a = archivedMessage(row('LEAD', body));
    expect(a).toMatchObject({
      body: JSON.stringify(body),
      personalDataRemoved: false,
      record: Buffer.from('signed record bytes').toString('base64'),
    });
  });

  it('lists every file with its digest, size and line count in manifest.json', () => {
    const files = { 'records.ndjson': Buffer.from('{"a":1}\n{"a":2}\n'), 'receipts.ndjson': Buffer.alloc(0) };
    const head = {
      agency: '341825',
      seq: 1,
      from: '1970-01-01T00:00:00.000Z',
      until: '2026-12-01T00:00:00.000Z',
      previous: '0'.repeat(64),
      audit: { first: 1, last: 0, anchor: '0'.repeat(64), lastHash: '0'.repeat(64) },
      timestamped: false,
    };
    const m = archiveManifest(head, files);
    expect(m.equals(archiveManifest(head, files))).toBe(true);
    expect(JSON.parse(m.toString()).files).toEqual([
      { name: 'records.ndjson', sha256: sha256(files['records.ndjson']), bytes: 16, lines: 2 },
      { name: 'receipts.ndjson', sha256: sha256(Buffer.alloc(0)), bytes: 0, lines: 0 },
    ]);
  });
});
