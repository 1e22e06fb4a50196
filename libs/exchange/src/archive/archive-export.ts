import { sha256 } from '../retention/erasure-claim';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError } from '@xietong/contracts';
import { requestTimestamp, signDetached, verifyTimestamp, type Signer } from '@xietong/crypto';
import {
  GENESIS_HASH,
  type ArchiveRepository,
  type AuditEntry,
  type AuditRepository,
  type ManifestArchiveRepository,
} from '@xietong/persistence';
import { WITNESS_AUDIT_KINDS } from '../audit/checkpoint-witnessing';
import { archiveDirName, archiveManifest, contentFiles, NO_PREVIOUS } from './archive-format';

/** The agency's time-stamping authority (XIETONG_TSA_URL, XIETONG_TSA_CERT_FILE). */
export interface TsaSettings {
  url: string;
  /** The TSA certificate (PEM) its tokens must be signed with. */
  certPem: string;
}

export interface ArchiveExportDeps {
  archives: ArchiveRepository;
  audit: AuditRepository;
  manifests: ManifestArchiveRepository;
  signer: Signer;
  tsa?: TsaSettings;
}

export interface ExportedArchive {
  seq: number;
  dir: string;
  from: Date;
  until: Date;
  digest: string;
  records: number;
  entries: number;
  /** The TSA's time in the token; undefined without a TSA. */
  timestampedAt?: Date;
}

/**
 * Writes the next archive of `agency`: everything from the end of the last archive (or the
 * beginning) up to `until`, as `<outDir>/<agency>-<seq>/`, signed by the gateway key and
 * time-stamped by the TSA when one is configured, then records it in the archive table. The
 * content files and manifest.json are the same bytes for the same database content.
 */
export async function exportArchive(
  agency: string,
  until: Date,
  outDir: string,
  deps: ArchiveExportDeps,
  now = new Date(),
): Promise<ExportedArchive> {
  if (until.getTime() > now.getTime())
    throw new DomainError('VALIDATION_FAILED', `--until ${until.toISOString()} is in the future`, 'until');
  await deps.audit.chainAll();
  const last = await deps.archives.last();
  const from = last?.untilAt ?? new Date(0);
  if (until.getTime() <= from.getTime())
    throw new DomainError(
      'VALIDATION_FAILED',
      `nothing to archive: archive ${last?.seq} already reaches ${from.toISOString()} (give a later --until)`,
      'until',
    );
  const seq = (last?.seq ?? 0) + 1;
  const afterSeq = last?.auditSeq ?? 0;
  const anchor = last?.auditHash ?? GENESIS_HASH;
  // Checkpoints still waiting for their token get it now, so that the archive holds it (and an
  // export of the same database content writes the same bytes).
  if (deps.tsa)
    for (const c of await deps.archives.checkpointsWithoutToken(10_000)) {
      const token = await requestTimestamp(deps.tsa.url, Buffer.from(c.jws));
      const { genTime } = await verifyTimestamp(token, Buffer.from(c.jws), deps.tsa.certPem);
      await deps.archives.saveCheckpointToken(c.seq, token, genTime);
    }
  const content = await deps.archives.content(agency, from, until, afterSeq);
  content.countersignatures = await deps.archives.countersignatures(
    agency,
    countersignaturesArrived(agency, content.audit),
  );
  const files: Record<string, Buffer> = contentFiles(content, await deps.manifests.all());
  if (deps.tsa) files['tsa.crt'] = Buffer.from(deps.tsa.certPem);
  const lastEntry = content.audit[content.audit.length - 1];
  const manifest = archiveManifest(
    {
      agency,
      seq,
      from: from.toISOString(),
      until: until.toISOString(),
      previous: last?.digest ?? NO_PREVIOUS,
      audit: {
        first: afterSeq + 1,
        last: lastEntry?.seq ?? afterSeq,
        anchor,
        lastHash: lastEntry?.hash ?? anchor,
      },
      timestamped: deps.tsa !== undefined,
    },
    files,
  );
  const digest = sha256(manifest);
  const jws = await signDetached(manifest, deps.signer);
  let token: Buffer | undefined;
  let timestampedAt: Date | undefined;
  if (deps.tsa) {
    token = await requestTimestamp(deps.tsa.url, manifest);
    timestampedAt = (await verifyTimestamp(token, manifest, deps.tsa.certPem)).genTime;
  }
  const dir = join(outDir, archiveDirName(agency, seq));
  // Written beside, then renamed: a crash never leaves a half archive under its final name.
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(partial, name), bytes);
  await writeFile(join(partial, 'manifest.json'), manifest);
  await writeFile(join(partial, 'manifest.jws'), jws + '\n');
  if (token) await writeFile(join(partial, 'timestamp.tsr'), token);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  const saved = await deps.archives.save({
    seq,
    fromAt: from,
    untilAt: until,
    auditSeq: lastEntry?.seq ?? afterSeq,
    auditHash: lastEntry?.hash ?? anchor,
    digest,
    timestampedAt: timestampedAt ?? null,
    createdAt: now,
    prunedAt: null,
  });
  if (!saved)
    throw new DomainError(
      'ARCHIVE_INVALID',
      `archive ${seq} was written by another export meanwhile; ${dir} is not it`,
    );
  return {
    seq,
    dir,
    from,
    until,
    digest,
    records: content.messages.length,
    entries: content.audit.length,
    timestampedAt,
  };
}

/** The countersignatures of `agency`'s checkpoints whose arrival these entries record. */
export function countersignaturesArrived(agency: string, entries: AuditEntry[]): { seq: number; witness: string }[] {
  return entries
    .filter((e) => e.kind === WITNESS_AUDIT_KINDS.countersignatureReceived)
    .map((e) => JSON.parse(e.detail) as { agency?: string; seq?: number; witness?: string })
    .filter((d) => d.agency === agency && typeof d.seq === 'number' && typeof d.witness === 'string')
    .map((d) => ({ seq: d.seq!, witness: d.witness! }));
}
