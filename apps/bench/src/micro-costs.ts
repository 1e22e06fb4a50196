import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { repoRoot } from '@xietong/config';
import { sampleLead, validateBody } from '@xietong/contracts';
import {
  generateSigningKey,
  importSigningKey,
  signDetached,
  type SigningAlgorithm,
  verifyDetached,
} from '@xietong/crypto';
import { outboundRow, WireCodec } from '@xietong/exchange';
import { Federation, type Manifest } from '@xietong/federation';
import { Database, MessageRepository } from '@xietong/persistence';
import type { DatabaseConfig } from '@xietong/config';
import { median, round } from './stats';

export interface MicroCosts {
  avro_encode_us: number;
  avro_decode_us: number;
  sign_us: number;
  verify_us: number;
  insert_us: number;
}

/** Per-message cost of each step of the hot path, median of 5 rounds of `n` messages. */
export async function microCosts(
  n: number,
  manifest: Manifest,
  db: DatabaseConfig,
  pad: string,
  alg: SigningAlgorithm,
): Promise<MicroCosts> {
  const codec = new WireCodec(join(repoRoot(), 'schemas'));
  const federation = new Federation(manifest);
  const body = validateBody(codec.local.latest('LEAD').avroType, {
    ...sampleLead('BENCH-1'),
    allegation: { category: 'FOOD', legalBasis: [], facts: pad },
  });
  const key = await generateSigningKey(alg, 'bench');
  const signer = { kid: 'bench', alg, key: await importSigningKey(key.privateJwk) };
  const pub = await importSigningKey(key.publicJwk);
  const input = () => ({
    type: 'LEAD' as const,
    sender: '341825',
    recipient: '330100',
    zone: 'yrd',
    correlationId: 'BENCH-1',
    body,
  });
  const rounds = async (f: () => Promise<void> | void) => {
    const perMessage: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = process.hrtime.bigint();
      await f();
      perMessage.push(Number(process.hrtime.bigint() - t0) / 1000 / n);
    }
    return round(median(perMessage), 1);
  };
  const values = Array.from({ length: n }, () => codec.compose(input()).value);
  const sigs = await Promise.all(values.map((v) => signDetached(v, signer)));
  const database = await Database.open(db);
  const repo = new MessageRepository(database);
  try {
    return {
      avro_encode_us: await rounds(() => {
        for (let i = 0; i < n; i++) codec.compose(input());
      }),
      avro_decode_us: await rounds(() => {
        for (const v of values) codec.decodeBody(codec.envelope.decode(v), federation);
      }),
      sign_us: await rounds(async () => {
        for (const v of values) await signDetached(v, signer);
      }),
      verify_us: await rounds(async () => {
        for (let i = 0; i < n; i++) await verifyDetached(sigs[i], values[i], pub, alg);
      }),
      insert_us: await rounds(async () => {
        const rows = values.map((v) =>
          outboundRow({ ...codec.envelope.decode(v), messageId: randomUUID() }, body, 1, v),
        );
        for (let i = 0; i < rows.length; i += 500)
          await database.transaction((em) => repo.insertMany(em, rows.slice(i, i + 500)));
      }),
    };
  } finally {
    await database.close();
  }
}
