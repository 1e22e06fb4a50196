import { sha256 } from '../retention/erasure-claim';
import { isMessageType, messageTypeSpec } from '@xietong/contracts';
import { GENESIS_HASH, type ArchiveContent, type ArchivedMessage } from '@xietong/persistence';

export const ARCHIVE_FORMAT = 'xietong-archive/1';
/** What stands in an archived body for a personal-data field (the complainant JWE). */
export const REMOVED = '[removed: personal data]';

/** The files of an archive besides manifest.json, manifest.jws and timestamp.tsr, in manifest order. */
export const CONTENT_FILES = [
  'records.ndjson',
  'receipts.ndjson',
  'audit.ndjson',
  'checkpoints.ndjson',
  'countersignatures.ndjson',
  'manifests.ndjson',
] as const;
export type ContentFile = (typeof CONTENT_FILES)[number];

/** manifest.json: what the archive holds and the digests that bind it. */
export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  agency: string;
  seq: number;
  /** The period: rows created at or after `from` and before `until` (ISO 8601, UTC). */
  from: string;
  until: string;
  /** SHA-256 (hex) of the previous archive's manifest.json; 64 zeros for the first archive. */
  previous: string;
  /** The audit entries held: `first`..`last` (none when last < first), linked to `anchor`. */
  audit: { first: number; last: number; anchor: string; lastHash: string };
  /** Whether a TSA was configured: `timestamp.tsr` is over this file's SHA-256 when true. */
  timestamped: boolean;
  /** The complainant's JWE was removed from bodies and records (see personalDataRemoved of each record). */
  personalData: 'removed';
  /** Every file of the archive but manifest.json, manifest.jws and timestamp.tsr (and tsa.crt). */
  files: { name: string; sha256: string; bytes: number; lines: number }[];
}

/** An archived message: the row, its body with personal data removed, the signed bytes when they can be kept. */
export function archivedMessage(m: ArchivedMessage): Record<string, unknown> {
  const personal = isMessageType(m.type) ? messageTypeSpec(m.type).personalData : [];
  let body = m.body;
  let removed = false;
  if (personal.length > 0) {
    const parsed = JSON.parse(m.body) as Record<string, unknown>;
    for (const field of personal)
      if (parsed[field] !== undefined && parsed[field] !== null) {
        parsed[field] = REMOVED;
        removed = true;
      }
    body = JSON.stringify(parsed);
  }
  const record = m.record ? Buffer.from(m.record) : null;
  return {
    messageId: m.messageId,
    direction: m.direction,
    type: m.type,
    sender: m.sender,
    recipient: m.recipient,
    zone: m.zone,
    correlationId: m.correlationId,
    causationId: m.causationId,
    createdAt: m.createdAt.toISOString(),
    bodySchema: m.bodySchema,
    body,
    status: m.status,
    reasonCode: m.reasonCode,
    reason: m.reason,
    sentAt: iso(m.sentAt),
    receiptAt: iso(m.receiptAt),
    receivedAt: iso(m.receivedAt),
    signature: m.signature,
    manifestSerial: m.manifestSerial,
    recordPosition: m.recordPosition ?? null,
    personalDataRemoved: removed,
    // The signed bytes hold the JWE too: only their digest is kept when it was removed.
    record: record && !removed ? record.toString('base64') : null,
    recordSha256: record ? sha256(record) : null,
  };
}

/** The content files of one archive, as exact bytes (NDJSON: one JSON value per line, each line ends in \n). */
export function contentFiles(
  content: ArchiveContent,
  manifests: { serial: number; jws: string }[],
): Record<ContentFile, Buffer> {
  const receipt = (m: ArchivedMessage) => m.type === 'RECEIPT';
  return {
    'records.ndjson': ndjson(content.messages.filter((m) => !receipt(m)).map(archivedMessage)),
    'receipts.ndjson': ndjson(content.messages.filter(receipt).map(archivedMessage)),
    'audit.ndjson': ndjson(
      content.audit.map((e) => ({
        seq: e.seq,
        occurredAt: e.occurredAt,
        kind: e.kind,
        actor: e.actor,
        messageId: e.messageId,
        caseNo: e.caseNo,
        partner: e.partner,
        detail: e.detail,
        prevHash: e.prevHash,
        hash: e.hash,
      })),
    ),
    'checkpoints.ndjson': ndjson(
      content.checkpoints.map((c) => ({
        seq: c.seq,
        hash: c.hash,
        signedAt: c.signedAt.toISOString(),
        jws: c.jws,
        timestamp: c.token ? Buffer.from(c.token).toString('base64') : null,
      })),
    ),
    'countersignatures.ndjson': ndjson(
      content.countersignatures.map((w) => ({
        agency: w.agency,
        seq: w.seq,
        witness: w.witness,
        hash: w.hash,
        signedAt: w.signedAt.toISOString(),
        checkpoint: w.checkpoint,
        witnessedAt: w.witnessedAt.toISOString(),
        countersignature: w.countersignature,
      })),
    ),
    'manifests.ndjson': ndjson(manifests.map((m) => ({ serial: m.serial, jws: m.jws }))),
  };
}

/** manifest.json for the content files (2-space JSON, a final newline). */
export function archiveManifest(
  head: Omit<ArchiveManifest, 'format' | 'files' | 'personalData'>,
  files: Record<string, Buffer>,
): Buffer {
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    ...head,
    personalData: 'removed',
    files: Object.entries(files).map(([name, b]) => ({
      name,
      sha256: sha256(b),
      bytes: b.length,
      lines: b.length === 0 ? 0 : b.toString('utf8').split('\n').length - 1,
    })),
  };
  return Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
}

/** The directory name of archive `seq` of `agency`: `<agency>-<seq, 6 digits>`. */
export const archiveDirName = (agency: string, seq: number): string => `${agency}-${String(seq).padStart(6, '0')}`;

export const NO_PREVIOUS = GENESIS_HASH;

function ndjson(rows: object[]): Buffer {
  return Buffer.from(rows.map((r) => JSON.stringify(r) + '\n').join(''), 'utf8');
}

function iso(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}
