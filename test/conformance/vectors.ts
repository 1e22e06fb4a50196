// Reads conformance vectors and runs our own (TypeScript) receiver over them, with the
// vector's receiver, now and already accepted message ids.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
import { RecordVerifier, WireCodec } from '@xietong/exchange';
import { Federation, readJwk, verifyManifest } from '@xietong/federation';
import type { RecordVector } from '../../apps/cli/src/conformance-vectors';

export function readVectors(dir: string): (RecordVector & { file: string })[] {
  return readdirSync(join(dir, 'records'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ ...(JSON.parse(readFileSync(join(dir, 'records', f), 'utf8')) as RecordVector), file: f }));
}

export interface TsOutcome {
  outcome: 'ACCEPTED' | 'REFUSED';
  reasonCode?: string;
  detail?: string;
  body?: Record<string, unknown>;
}

/** The gateway's verifier (RecordVerifier) and its replay rule, over one record. */
export async function verifyWithTypeScript(
  federationDir: string,
  v: Pick<RecordVector, 'receiver' | 'now' | 'acceptedMessageIds' | 'record'>,
): Promise<TsOutcome> {
  const now = new Date(v.now);
  const manifest = await verifyManifest(
    readFileSync(join(federationDir, 'manifest.jws'), 'utf8'),
    await readJwk(join(federationDir, 'authority.public.jwk.json')),
    now,
  );
  const verifier = new RecordVerifier(new WireCodec(join(repoRoot(), 'schemas')), v.receiver);
  const result = await verifier.verify(
    {
      topic: v.record.topic,
      partition: 0,
      offset: '0',
      key: Buffer.from(v.record.key),
      value: Buffer.from(v.record.value, 'hex'),
      headers: Object.fromEntries(Object.entries(v.record.headers).map(([k, h]) => [k, Buffer.from(h)])),
    },
    new Federation(manifest),
    now,
  );
  if (!result.ok) return { outcome: 'REFUSED', reasonCode: result.code, detail: result.detail };
  if (v.acceptedMessageIds.includes(result.envelope.messageId)) return { outcome: 'REFUSED', reasonCode: 'REPLAY' };
  return { outcome: 'ACCEPTED', body: result.body };
}
