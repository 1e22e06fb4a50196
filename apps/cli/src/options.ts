import { InvalidArgumentError } from 'commander';
import { FEDERATION_ID, loadGatewayConfig } from '@xietong/config';
import { isSigningAlgorithm } from '@xietong/crypto';

// Option parsers shared by the command groups: a bad value is a usage error naming what was expected.

export const isoInstant = (v: string) => {
  if (Number.isNaN(Date.parse(v))) throw new InvalidArgumentError('expected an ISO-8601 instant');
  return new Date(v).toISOString();
};

export const memberList = (v: string) => {
  const ids = v.split(',').map((s) => s.trim());
  if (ids.length === 0 || ids.some((id) => !/^\d{6}$/.test(id)))
    throw new InvalidArgumentError('expected comma-separated six-digit agency ids');
  return ids;
};
export const federationId = (v: string) => {
  if (!FEDERATION_ID.test(v)) throw new InvalidArgumentError('expected letters, digits, _ and - (at most 63)');
  return v;
};
export const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
export const signingAlg = (v: string) => {
  if (!isSigningAlgorithm(v)) throw new InvalidArgumentError('expected EdDSA, ES256 or SM2');
  return v;
};

/** A gateway's configuration for an offline tool: its environment, with the options given. */
export function gatewayConfigFor(agency: string, o: { databaseUrl?: string; schema?: string; federationDir?: string }) {
  return loadGatewayConfig(
    {
      ...process.env,
      XIETONG_AGENCY_ID: agency,
      ...(o.databaseUrl ? { XIETONG_DATABASE_URL: o.databaseUrl } : {}),
      ...(o.schema ? { XIETONG_DATABASE_SCHEMA: o.schema } : {}),
      ...(o.federationDir ? { XIETONG_FEDERATION_DIR: o.federationDir } : {}),
    },
    { offlineTool: true },
  );
}
