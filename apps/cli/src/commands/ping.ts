import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { CliExit, type CliDeps } from '../cli-io';
import { callGateway, type GatewayTarget } from '../gateway-api';

/** `10s`, `500ms`, `2m` or a number of seconds, in milliseconds (100 ms to 10 min, as the API takes). */
export const duration = (v: string): number => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  const ms = m ? Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000 }[m[2] ?? 's'] ?? 1000) : NaN;
  if (!Number.isFinite(ms) || ms < 100 || ms > 600_000)
    throw new InvalidArgumentError('expected a duration from 100ms to 10m, e.g. 10s, 500ms, 2m');
  return Math.round(ms);
};

interface PingReport {
  id: string;
  to: string;
  state: string;
  result: 'ok' | 'rejected' | 'pending' | 'stalled' | 'failed';
  queuedAt: string;
  publishedAt: string | null;
  receiptAt: string | null;
  roundTripMs: number | null;
  hop: string | null;
  detail: string;
}

const HOPS: Record<string, string> = {
  relay: 'our relay',
  broker: 'the broker',
  partner: "the partner's inbound or gateway",
};

/** `ping`: a signed PING through a gateway (admin role), followed until its receipt or the timeout. */
export function registerPingCommands(program: Command, { io }: CliDeps): void {
  program
    .command('ping')
    .description(
      'can a partner hear us? sends a signed PING through the gateway and reports the round trip, or the hop where it stopped (admin role; exit 1 if it did not come back)',
    )
    .requiredOption('--gateway <url>', 'gateway base URL, e.g. http://127.0.0.1:3001')
    .requiredOption('--to <code>', "the partner's 6-digit member id", (v: string) => {
      if (!/^\d{6}$/.test(v)) throw new InvalidArgumentError('expected a six-digit member id');
      return v;
    })
    .option('--timeout <duration>', 'how long to wait for the receipt', duration, 10_000)
    .option('--token <jwt>', 'bearer token (default: XIETONG_TOKEN)')
    .action(async (o: GatewayTarget & { to: string; timeout: number }) => {
      let report = (await callGateway(io, o, 'POST', '/api/v1/pings', { to: o.to })) as unknown as PingReport;
      io.out(`ping ${report.id} to ${report.to}: queued ${report.queuedAt}`);
      let state = report.state;
      // The gateway judges the timeout from the ping's queue time; the local bound only guards a stuck answer.
      const giveUp = Date.now() + o.timeout + 10_000;
      while (report.result === 'pending' && Date.now() < giveUp) {
        await sleep(Math.min(250, o.timeout / 4));
        report = (await callGateway(
          io,
          o,
          'GET',
          `/api/v1/pings/${report.id}?timeoutMs=${o.timeout}`,
        )) as unknown as PingReport;
        if (report.state !== state && report.publishedAt) io.out(`published ${report.publishedAt} (broker ack)`);
        state = report.state;
      }
      if (report.result === 'ok') {
        io.out(`receipt ${report.receiptAt}: ${report.detail}, round trip ${report.roundTripMs} ms`);
        return;
      }
      const where = report.hop ? (HOPS[report.hop] ?? report.hop) : 'unknown';
      io.err(`${report.result === 'pending' ? 'stalled' : report.result} at ${where}: ${report.detail}`);
      throw new CliExit(1);
    });
}
