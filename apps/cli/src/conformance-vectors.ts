import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@xietong/config';
import { SchemaCatalog } from '@xietong/contracts';
import { WireCodec } from '@xietong/exchange';
import { REFUSED_RECORDS } from './conformance/refused-records';
import { testFederation, writeTestFederation } from './conformance/test-federation';
import { VALID_RECORDS } from './conformance/valid-records';
import { VECTOR_NOW, vectorKit, type RecordVector, type VectorSet } from './conformance/vector-kit';

export {
  envelopeJson,
  VECTOR_NOW,
  VECTOR_RECEIVER,
  VECTOR_SENDER,
  type RecordVector,
  type VectorExpectation,
  type VectorSet,
} from './conformance/vector-kit';

/**
 * Writes the conformance vectors of conformance/README.md into `out`: a federation (zone
 * authority, members' keys, signed manifest, in the layout of `federation init`, so a gateway
 * can run on it), one valid signed record per message type and one record per refusal reason of
 * docs/wire-format.md, each as a JSON file with its expected outcome. Keys are new on every run.
 */
export async function writeConformanceVectors(
  out: string,
  { now = new Date(VECTOR_NOW), federation: federationId = 'xietong' }: { now?: Date; federation?: string } = {},
): Promise<VectorSet> {
  const schemas = join(repoRoot(), 'schemas');
  const codec = new WireCodec(schemas);
  const test = await testFederation(now, federationId, SchemaCatalog.fromDirectory(schemas));
  await writeTestFederation(out, schemas, test);

  const vectors: RecordVector[] = [];
  const kit = await vectorKit({ now, codec, federation: test.federation, federationId }, test, vectors);
  // One after the other: message ids are numbered in the order builders ask for them.
  for (const build of [...VALID_RECORDS, ...REFUSED_RECORDS]) await build(kit);

  const json = (file: string, value: unknown) => writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
  vectors.forEach((v, i) => json(join(out, 'records', `${String(i + 1).padStart(2, '0')}-${v.name}.json`), v));
  return { dir: out, vectors };
}
