import { sha256 } from '../retention/erasure-claim';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeProtectedHeader, type JWK } from 'jose';
import { importSigningKey, readDetachedHeader, verifyDetached, verifyTimestamp } from '@xietong/crypto';
import { Federation, verifyManifest } from '@xietong/federation';
import { GENESIS_HASH, type AuditEntry, type WitnessedCheckpoint } from '@xietong/persistence';
import { verifyChain } from '../audit/chain-verifier';
import { verifyCheckpoint } from '../audit/checkpoint-signature';
import { checkWitnesses, keyLookup, type KeyLookup } from '../audit/countersignature';
import { ARCHIVE_FORMAT, archiveDirName, NO_PREVIOUS, type ArchiveManifest } from './archive-format';

export interface ArchiveVerification {
  ok: boolean;
  /** The problems found, each naming the archive directory and, where it applies, the file. */
  findings: string[];
  archives: { dir: string; seq: number; from: string; until: string; timestampedAt?: Date }[];
  records: number;
  receipts: number;
  entries: number;
  checkpoints: number;
  countersignatures: number;
  /** Stored message signatures re-verified over their kept bytes (records without personal data). */
  signatures: number;
  /** Where the TSA certificate came from: the auditor's own file, or the archive's (signed) tsa.crt. */
  tsaCertificate: 'given' | 'archive' | 'none';
}

interface Loaded {
  dir: string;
  manifest: ArchiveManifest;
  bytes: Buffer;
  files: Map<string, Buffer>;
}

const DIR_NAME = /^(\d{6})-(\d{6})$/;
const lines = <T>(b: Buffer | undefined): T[] =>
  (b?.toString('utf8') ?? '')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

/**
 * Verifies a directory of archives offline: each file against manifest.json, manifest.json against
 * the gateway's signature (key from the archived manifests, which the zone authority signed) and
 * the TSA token, the links from each archive to the one before, the audit chain across all of them
 * with its checkpoints (signatures and tokens) and countersignatures, and every kept record signature.
 */
export async function verifyArchives(dir: string, authority: JWK, tsaCertPem?: string): Promise<ArchiveVerification> {
  const findings: string[] = [];
  const result: ArchiveVerification = {
    ok: false,
    findings,
    archives: [],
    records: 0,
    receipts: 0,
    entries: 0,
    checkpoints: 0,
    countersignatures: 0,
    signatures: 0,
    tsaCertificate: tsaCertPem ? 'given' : 'none',
  };
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && DIR_NAME.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => Number(DIR_NAME.exec(a)![2]) - Number(DIR_NAME.exec(b)![2]));
  if (names.length === 0) {
    findings.push(`${dir} holds no archive (directories <agency>-<seq>)`);
    return result;
  }
  const loaded: Loaded[] = [];
  for (const name of names) {
    const l = await load(join(dir, name), name, findings);
    if (l) loaded.push(l);
  }
  if (findings.length) return result;
  const keys = await manifestKeys(loaded, authority, findings);
  if (!keys) return result;
  checkLinks(dir, loaded, findings);
  const chain: AuditEntry[] = [];
  for (const a of loaded) {
    const time = await signatureAndTime(a, keys, tsaCertPem, findings);
    if (time !== undefined) result.tsaCertificate = tsaCertPem ? 'given' : time ? 'archive' : result.tsaCertificate;
    result.archives.push({
      dir: a.dir,
      seq: a.manifest.seq,
      from: a.manifest.from,
      until: a.manifest.until,
      timestampedAt: time || undefined,
    });
    chain.push(...lines<AuditEntry>(a.files.get('audit.ndjson')));
    result.signatures += await checkRecords(a, keys, findings, result);
  }
  await checkTrail(loaded, chain, keys, tsaCertPem, findings, result);
  result.ok = findings.length === 0;
  return result;
}

/** Reads an archive directory and checks every listed file against manifest.json. */
async function load(path: string, name: string, findings: string[]): Promise<Loaded | undefined> {
  let bytes: Buffer;
  let manifest: ArchiveManifest;
  try {
    bytes = await readFile(join(path, 'manifest.json'));
    manifest = JSON.parse(bytes.toString('utf8')) as ArchiveManifest;
  } catch (e) {
    findings.push(`${name}/manifest.json cannot be read: ${(e as Error).message}`);
    return undefined;
  }
  if (manifest.format !== ARCHIVE_FORMAT || archiveDirName(manifest.agency, manifest.seq) !== name) {
    findings.push(`${name}/manifest.json is not the manifest of archive ${name} (format ${ARCHIVE_FORMAT})`);
    return undefined;
  }
  const files = new Map<string, Buffer>();
  const listed = new Set(manifest.files.map((f) => f.name));
  for (const f of manifest.files) {
    let b: Buffer;
    try {
      b = await readFile(join(path, f.name));
    } catch {
      findings.push(`${name}/${f.name} is missing`);
      continue;
    }
    if (sha256(b) !== f.sha256 || b.length !== f.bytes)
      findings.push(`${name}/${f.name}: its SHA-256 differs from manifest.json (the file was changed)`);
    files.set(f.name, b);
  }
  for (const own of ['manifest.jws', 'timestamp.tsr'])
    await readFile(join(path, own)).then(
      (b) => files.set(own, b),
      () => undefined,
    );
  for (const extra of await readdir(path))
    if (!listed.has(extra) && !['manifest.json', 'manifest.jws', 'timestamp.tsr'].includes(extra))
      findings.push(`${name}/${extra} is not listed in manifest.json`);
  return { dir: name, manifest, bytes, files };
}

/** Signing keys from every archived manifest that the zone authority signed. */
async function manifestKeys(loaded: Loaded[], authority: JWK, findings: string[]): Promise<KeyLookup | undefined> {
  const feds = new Map<number, Federation>();
  for (const a of loaded)
    for (const m of lines<{ serial: number; jws: string }>(a.files.get('manifests.ndjson'))) {
      if (feds.has(m.serial)) continue;
      try {
        feds.set(m.serial, new Federation(await verifyManifest(m.jws, authority, new Date(0))));
      } catch (e) {
        findings.push(
          `${a.dir}/manifests.ndjson: manifest serial ${m.serial} does not verify: ${(e as Error).message}`,
        );
      }
    }
  if (feds.size === 0) findings.push(`no signed federation manifest in the archives: no key to check signatures with`);
  if (findings.length) return undefined;
  const [first, ...rest] = [...feds.values()];
  return keyLookup(first, rest);
}

/** Each archive names the digest of the one before it; the sequence has no gap. */
function checkLinks(dir: string, loaded: Loaded[], findings: string[]): void {
  let previous: Loaded | undefined;
  for (const a of loaded) {
    const expected = (previous?.manifest.seq ?? 0) + 1;
    if (a.manifest.seq !== expected) {
      const missing = archiveDirName(a.manifest.agency, expected);
      findings.push(
        `${a.dir}: the link to the previous archive is broken: it names digest ${a.manifest.previous} of archive ${a.manifest.seq - 1}, but ${missing} is not in ${dir}${previous ? ` (the archive before it there is ${previous.dir})` : ''}`,
      );
    } else if (a.manifest.previous !== (previous ? sha256(previous.bytes) : NO_PREVIOUS)) {
      findings.push(
        `${a.dir}: the link to the previous archive is broken: it names digest ${a.manifest.previous}, but ${previous ? `${previous.dir}/manifest.json has ${sha256(previous.bytes)}` : 'the first archive must name 64 zeros'}`,
      );
    }
    previous = a;
  }
}

/** The gateway's detached JWS over manifest.json, and the TSA token over it: genTime, null without one. */
async function signatureAndTime(
  a: Loaded,
  keys: KeyLookup,
  tsaCertPem: string | undefined,
  findings: string[],
): Promise<Date | null | undefined> {
  const jws = a.files.get('manifest.jws')?.toString('utf8').trim();
  try {
    if (!jws) throw new Error('manifest.jws is missing');
    const header = readDetachedHeader(jws);
    const key = keys(a.manifest.agency, header.kid);
    if (!key) throw new Error(`key ${header.kid} of ${a.manifest.agency} is in no archived manifest`);
    await verifyDetached(jws, a.bytes, await importSigningKey(key.publicJwk, key.alg), header.alg);
  } catch (e) {
    findings.push(`${a.dir}/manifest.json: the gateway's signature does not verify (${(e as Error).message})`);
    return undefined;
  }
  if (!a.manifest.timestamped) return null;
  const token = a.files.get('timestamp.tsr');
  const cert = tsaCertPem ?? a.files.get('tsa.crt')?.toString('utf8');
  if (!token || !cert) {
    findings.push(`${a.dir}: timestamp.tsr or the TSA certificate is missing although manifest.json says timestamped`);
    return undefined;
  }
  try {
    const info = await verifyTimestamp(token, a.bytes, cert);
    if (info.genTime.getTime() < Date.parse(a.manifest.until) - 1000)
      throw new Error(`its time ${info.genTime.toISOString()} is before the end of the period`);
    return info.genTime;
  } catch (e) {
    findings.push(`${a.dir}/timestamp.tsr: ${(e as Error).message}`);
    return undefined;
  }
}

/** Every kept record's signature by its sender, and its digest. */
async function checkRecords(
  a: Loaded,
  keys: KeyLookup,
  findings: string[],
  counts: { records: number; receipts: number },
): Promise<number> {
  let verified = 0;
  for (const file of ['records.ndjson', 'receipts.ndjson'] as const) {
    const rows = lines<{ messageId: string; sender: string; signature: string | null; record: string | null }>(
      a.files.get(file),
    );
    if (file === 'records.ndjson') counts.records += rows.length;
    else counts.receipts += rows.length;
    for (const m of rows) {
      if (!m.record || !m.signature) continue;
      try {
        const header = readDetachedHeader(m.signature);
        const key = keys(m.sender, header.kid);
        if (!key) throw new Error(`key ${header.kid} of ${m.sender} is in no archived manifest`);
        const bytes = Buffer.from(m.record, 'base64');
        await verifyDetached(m.signature, bytes, await importSigningKey(key.publicJwk, key.alg), header.alg);
        verified++;
      } catch (e) {
        findings.push(`${a.dir}/${file}: message ${m.messageId}: signature does not verify (${(e as Error).message})`);
      }
    }
  }
  return verified;
}

/** The audit chain across the archives, its checkpoints (signature, token) and countersignatures. */
async function checkTrail(
  loaded: Loaded[],
  chain: AuditEntry[],
  keys: KeyLookup,
  tsaCertPem: string | undefined,
  findings: string[],
  result: ArchiveVerification,
): Promise<void> {
  const verified = await verifyChain(chain, undefined, { seq: 0, hash: GENESIS_HASH });
  result.entries = verified.entries;
  if (verified.finding) {
    const at = loaded.find(
      (a) => a.manifest.audit.first <= verified.finding!.seq && verified.finding!.seq <= a.manifest.audit.last,
    );
    findings.push(`${at?.dir ?? 'archives'}/audit.ndjson: ${verified.finding.problem}`);
    return;
  }
  const hashes = new Map(chain.map((e) => [e.seq, e.hash]));
  const witnessed: WitnessedCheckpoint[] = [];
  for (const a of loaded) {
    const agency = a.manifest.agency;
    const own = lines<AuditEntry>(a.files.get('audit.ndjson'));
    const { first, last, anchor } = a.manifest.audit;
    if (
      own.length !== Math.max(0, last - first + 1) ||
      (own.length > 0 && (own[0].seq !== first || own[0].prevHash !== anchor))
    )
      findings.push(
        `${a.dir}/audit.ndjson: it does not hold entries ${first}..${last} linked to ${anchor} as manifest.json says`,
      );
    const cert = tsaCertPem ?? a.files.get('tsa.crt')?.toString('utf8');
    for (const c of lines<{ seq: number; hash: string; jws: string; timestamp: string | null }>(
      a.files.get('checkpoints.ndjson'),
    )) {
      result.checkpoints++;
      try {
        const kid = String(decodeProtectedHeader(c.jws).kid);
        const key = keys(agency, kid);
        if (!key) throw new Error(`key ${kid} of ${agency} is in no archived manifest`);
        const claim = await verifyCheckpoint(c.jws, await importSigningKey(key.publicJwk, key.alg));
        if (claim.seq !== c.seq || claim.hash !== c.hash || claim.agency !== agency)
          throw new Error('it does not match its signed content');
        if (hashes.get(c.seq) !== c.hash) throw new Error(`entry ${c.seq} differs from it`);
        if (c.timestamp && cert) await verifyTimestamp(Buffer.from(c.timestamp, 'base64'), Buffer.from(c.jws), cert);
      } catch (e) {
        findings.push(`${a.dir}/checkpoints.ndjson: checkpoint ${c.seq}: ${(e as Error).message}`);
      }
    }
    for (const w of lines<Record<string, string | number>>(a.files.get('countersignatures.ndjson')))
      witnessed.push({
        agency: String(w.agency),
        seq: Number(w.seq),
        witness: String(w.witness),
        hash: String(w.hash),
        signedAt: new Date(String(w.signedAt)),
        checkpoint: String(w.checkpoint),
        witnessedAt: new Date(String(w.witnessedAt)),
        countersignature: String(w.countersignature),
      });
  }
  const agency = loaded[0].manifest.agency;
  const w = await checkWitnesses(agency, { entries: verified.lastSeq, hashes }, witnessed, keys);
  result.countersignatures = w.checked;
  for (const f of w.findings) findings.push(`countersignatures.ndjson: ${f.problem}`);
}
