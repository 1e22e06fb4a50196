import { join } from 'node:path';
import type { JWK } from 'jose';
import { repoRoot } from '@xietong/config';
import { validateBody, type MessageType } from '@xietong/contracts';
import { importSigningKey, type SigningAlgorithm } from '@xietong/crypto';
import { composeSignedRecord, WireCodec, type SignedRecord } from '@xietong/exchange';
import { federationFiles, readJwk } from '@xietong/federation';
import { RecordPublisher } from '@xietong/messaging';
import type { Harness } from './exchange-harness';

export interface ForgeInput {
  from: string;
  to: string;
  type: MessageType;
  body: Record<string, unknown>;
  zone?: string;
  messageId?: string;
  correlationId?: string;
  createdAt?: Date;
  /** Sign with this private JWK instead of the sender's key file. */
  key?: JWK;
}

/**
 * Builds records exactly as a partner's gateway would (or a broken or hostile one), for tests
 * that must put specific bytes into an inbox.
 */
export class RecordForge {
  readonly codec: WireCodec;
  private readonly publisher: RecordPublisher;

  /**
   * `h`: a federation started by the harness, or any broker, federation directory and topic prefix.
   * `schemasDir`: the partner's own schema files (default: this repository's), e.g. older versions.
   */
  constructor(
    private readonly h: Pick<Harness, 'kafka' | 'dir' | 'prefix'>,
    schemasDir = join(repoRoot(), 'schemas'),
  ) {
    this.codec = new WireCodec(schemasDir);
    this.publisher = new RecordPublisher(h.kafka);
  }

  async forge(i: ForgeInput): Promise<SignedRecord> {
    const body = validateBody(this.codec.local.latest(i.type).avroType, i.body);
    const jwk = i.key ?? (await readJwk(federationFiles(this.h.dir).signingKey(i.from)));
    const signer = { kid: jwk.kid!, alg: jwk.alg as SigningAlgorithm, key: await importSigningKey(jwk) };
    return composeSignedRecord(this.codec, signer, {
      type: i.type,
      sender: i.from,
      recipient: i.to,
      zone: i.zone ?? 'yrd',
      correlationId: i.correlationId ?? String(body.leadNo ?? body.complaintNo ?? 'X-1'),
      messageId: i.messageId,
      createdAt: i.createdAt,
      body,
    });
  }

  /** Writes raw records into an agency's inbox topic. */
  async send(to: string, records: { value: Buffer; headers?: Record<string, string>; key?: string }[]): Promise<void> {
    await this.publisher.publish(
      records.map((r) => ({
        topic: `${this.h.prefix}.inbox.${to}`,
        key: r.key ?? 'forged',
        value: r.value,
        headers: r.headers ?? {},
      })),
    );
  }

  async close(): Promise<void> {
    await this.publisher.close();
  }
}
