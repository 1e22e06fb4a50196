import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { LogLevel } from '@nestjs/common';
import { issueToken, type TokenRequest } from '@xietong/dev';
import { loadGatewayConfig, repoRoot, type DatabaseConfig } from '@xietong/config';
import { SchemaCatalog } from '@xietong/contracts';
import type { SigningAlgorithm } from '@xietong/crypto';
import {
  federationFiles,
  initFederation,
  loadZoneData,
  planKafka,
  readJwk,
  verifyManifest,
  type ManifestAgreement,
  type MemberCapabilities,
  type MemberKeys,
} from '@xietong/federation';
import { startGateway, type Role, type RunningGateway } from '@xietong/gateway';
import { applyKafkaPlan, createKafka, type KafkaSettings } from '@xietong/messaging';
import { MessageRepository, QuarantineRepository, type MessageRecord } from '@xietong/persistence';
import { freshDatabase, type TestDialect } from './databases';

export interface Harness {
  dir: string;
  prefix: string;
  members: MemberKeys[];
  gateways: Map<string, RunningGateway>;
  kafka: Kafka;
  /** Environment of a gateway of this federation on the given database (for extra instances). */
  envFor(id: string, db: DatabaseConfig, overrides?: Record<string, string>): Record<string, string | undefined>;
  gateway(id: string): RunningGateway;
  messages(id: string): MessageRepository;
  quarantine(id: string): QuarantineRepository;
  post(
    id: string,
    kind: string,
    body: unknown,
    contentType?: string,
    roles?: Role[],
  ): Promise<{ status: number; json: any }>;
  get(id: string, path: string, roles?: Role[]): Promise<{ status: number; json: any }>;
  /** A bearer token of the agency's development issuer. */
  token(id: string, roles?: Role[], overrides?: Partial<TokenRequest>): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  members: string[];
  dialect: TestDialect;
  agreements?: ManifestAgreement[];
  /** Members for which no gateway is started (keys and inbox exist; tests act for them). */
  offline?: string[];
  /** Gateway log levels (default: errors only, or all with XIETONG_TEST_LOG). */
  logLevels?: LogLevel[];
  /** Extra environment for every gateway of the federation. */
  env?: Record<string, string>;
  /** Members' record-signing algorithm (default EdDSA). */
  alg?: SigningAlgorithm;
  /** A secured cluster instead of the test broker (the cluster suite). */
  cluster?: ClusterAccess;
  /** What members read (manifest `accepts`), by member id; default: the whole catalog. */
  capabilities?: Record<string, MemberCapabilities>;
}

/** How the harness reaches a secured cluster: as the operator (super user) and as each member. */
export interface ClusterAccess {
  brokers: string;
  operator: KafkaSettings;
  /** KAFKA_* variables of a member's gateway (its own SCRAM user). */
  memberEnv(id: string): Record<string, string>;
  replicationFactor: number;
  minInsyncReplicas: number;
}

/** Roles of the county staff the tests act as unless a test says otherwise. */
export const STAFF: Role[] = ['submitter', 'handler', 'auditor'];

export const brokers = (): string => {
  const b = process.env.KAFKA_BROKERS;
  if (!b)
    throw new Error(
      'KAFKA_BROKERS is not set: run the integration tests through jest (global setup starts the broker)',
    );
  return b;
};

/** A federation of real gateways on the real broker, each with its own fresh database. */
export async function startFederation(o: HarnessOptions): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'xt-fed-'));
  const prefix = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const catalog = SchemaCatalog.fromDirectory(join(repoRoot(), 'schemas'));
  const init = await initFederation({
    dir,
    members: o.members,
    zones: loadZoneData(),
    catalog,
    agreements: o.agreements,
    federation: prefix,
    alg: o.alg,
    capabilities: o.capabilities,
  });
  const kafka = createKafka(o.cluster?.operator ?? { brokers: brokers().split(','), clientId: 'xietong-test' });
  // The zone operator's step: topics of every member, and their ACLs on a secured cluster (the
  // single test broker has no authorizer).
  const manifest = await verifyManifest(init.manifestJws, init.authorityPublic);
  await applyKafkaPlan(
    kafka,
    planKafka(manifest, {
      replicationFactor: o.cluster?.replicationFactor ?? 1,
      minInsyncReplicas: o.cluster?.minInsyncReplicas ?? 1,
    }),
  );
  const gateways = new Map<string, RunningGateway>();
  const envFor = (id: string, db: DatabaseConfig, overrides: Record<string, string> = {}) => ({
    XIETONG_AGENCY_ID: id,
    // Tests: the local token issuer of `federation init` signs the tokens (token() below).
    XIETONG_DEVELOPMENT: 'true',
    XIETONG_FEDERATION_DIR: dir,
    KAFKA_BROKERS: o.cluster?.brokers ?? brokers(),
    ...o.cluster?.memberEnv(id),
    XIETONG_FEDERATION_ID: prefix,
    XIETONG_HTTP_PORT: '0',
    XIETONG_MANIFEST_REFRESH_MS: '200',
    XIETONG_DATABASE_URL: db.type === 'postgres' ? db.url : `sqlite:${db.file}`,
    XIETONG_DATABASE_SCHEMA: db.type === 'postgres' ? db.schema : undefined,
    ...o.env,
    ...overrides,
  });
  for (const id of o.members.filter((m) => !o.offline?.includes(m))) {
    const config = loadGatewayConfig(envFor(id, freshDatabase(o.dialect, `${prefix}_${id}`)));
    gateways.set(id, await startGateway(config, { logLevels: o.logLevels ?? testLogLevels() }));
  }
  const gateway = (id: string) => gateways.get(id) ?? fail(`no gateway ${id}`);
  const token = async (id: string, roles: Role[] = STAFF, overrides: Partial<TokenRequest> = {}) =>
    issueToken(await readJwk(federationFiles(dir).authIssuerKey(id)), {
      issuer: 'xietong-local-idp',
      audience: `xietong-gateway-${id}`,
      subject: 'test-user',
      roles,
      ...overrides,
    });
  return {
    dir,
    prefix,
    members: init.members,
    gateways,
    kafka,
    envFor,
    gateway,
    messages: (id) => gateway(id).app.get(MessageRepository),
    quarantine: (id) => gateway(id).app.get(QuarantineRepository),
    token,
    async post(id, kind, body, contentType = 'application/json', roles = STAFF) {
      const res = await fetch(`${gateway(id).url}/api/v1/${kind}`, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Bearer ${await token(id, roles)}` },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: res.status, json: await res.json() };
    },
    async get(id, path, roles = STAFF) {
      const res = await fetch(`${gateway(id).url}${path}`, {
        headers: { authorization: `Bearer ${await token(id, roles)}` },
      });
      return { status: res.status, json: await res.json() };
    },
    async close() {
      for (const g of gateways.values()) await g.close();
    },
  };
}

export const testLogLevels = (): LogLevel[] => (process.env.XIETONG_TEST_LOG ? ['log', 'warn', 'error'] : ['error']);

/** Polls until `probe` returns a truthy value, or fails after `timeoutMs` naming `what`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export async function outboundStatus(h: Harness, sender: string, messageId: string): Promise<MessageRecord | null> {
  return h.messages(sender).find(messageId);
}

function fail(message: string): never {
  throw new Error(message);
}

export interface ReceiptItemView {
  receiptId: string;
  sender: string;
  recipient: string;
  messageId: string;
  status: 'ACCEPTED' | 'REJECTED';
  reasonCode: string | null;
}

/** Every receipt item an agency sent ('out') or received ('in'), flattened from receipt messages. */
export async function receiptItems(repo: MessageRepository, direction: 'in' | 'out'): Promise<ReceiptItemView[]> {
  const rows = await repo.list({ direction, type: 'RECEIPT', limit: 1000 });
  return rows.flatMap((r) =>
    (JSON.parse(r.body) as { items: Omit<ReceiptItemView, 'receiptId' | 'sender' | 'recipient'>[] }).items.map((i) => ({
      ...i,
      receiptId: r.messageId,
      sender: r.sender,
      recipient: r.recipient,
    })),
  );
}
