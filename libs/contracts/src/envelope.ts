import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { SingleObjectCodec } from './avro/single-object';
import type { MessageType } from './message-type';
import { parseSchema } from './schema-catalog';

/** The signed unit on the wire (schemas/envelope.v1.avsc). */
export interface Envelope {
  messageId: string;
  type: MessageType;
  sender: string;
  recipient: string;
  zone: string;
  correlationId: string;
  causationId: string | null;
  /** ISO-8601 instant. */
  createdAt: string;
  /** SHA-256 of the body writer schema's canonical form. */
  bodySchema: Buffer;
  body: Buffer;
}

/** Codec for record values: Avro single-object encoding of the envelope. */
export function envelopeCodec(schemasDir: string): SingleObjectCodec<Envelope> {
  const schema = JSON.parse(readFileSync(join(schemasDir, 'envelope.v1.avsc'), 'utf8'));
  return new SingleObjectCodec<Envelope>(parseSchema(schema));
}
