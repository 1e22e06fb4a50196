import type { GatewayConfig } from '@xietong/config';
import { token } from '@xietong/config';
import type { Signer } from '@xietong/crypto';

// The typed token helpers, the logger token and the gateway's identity are in libs/config (every
// lib module uses them); they are re-exported here for the exchange's services and specs.
export {
  token,
  provideValue,
  provideFactory,
  Logs,
  silentLogs,
  AgencyId,
  GATEWAY_CONFIG,
  GatewayRoles,
  type Token,
  type Key,
  type Provided,
  type Log,
} from '@xietong/config';

/** The signer of this gateway's outgoing records and audit checkpoints (from its {@link LocalKeys}). */
export const RecordSigner = token<RecordSigner>('RecordSigner');
export type RecordSigner = Signer;

/** The scheduler role's cadence: how often deadlines are checked, how often a case is reminded. */
export const SchedulerSettings = token<SchedulerSettings>('SchedulerSettings');
export type SchedulerSettings = GatewayConfig['scheduler'];

/** The audit slice: checkpoint cadence, and how long a checkpoint may wait for a countersignature. */
export const AuditSettings = token<AuditSettings>('AuditSettings');
export type AuditSettings = GatewayConfig['audit'];
