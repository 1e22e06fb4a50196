import type { Command } from 'commander';
import type { CliDeps } from '../cli-io';
import { callGateway, type GatewayTarget } from '../gateway-api';

/** `quarantine list` and `quarantine replay`, through a gateway's HTTP API. */
export function registerQuarantineCommands(program: Command, { io }: CliDeps): void {
  const quarantine = program
    .command('quarantine')
    .description("a gateway's quarantine, through its HTTP API (token: XIETONG_TOKEN or --token)");
  const api = (o: GatewayTarget, method: 'GET' | 'POST', path: string) => callGateway(io, o, method, path);
  quarantine
    .command('list')
    .description('refused records with reason codes (auditor role)')
    .requiredOption('--gateway <url>', 'gateway base URL, e.g. http://127.0.0.1:3001')
    .option('--token <jwt>', 'bearer token (default: XIETONG_TOKEN)')
    .option('--reason <code>', 'only this reason code')
    .action(async (o: { gateway: string; token?: string; reason?: string }) => {
      const body = await api(
        o,
        'GET',
        `/api/v1/quarantine${o.reason ? `?reason=${encodeURIComponent(o.reason)}` : ''}`,
      );
      for (const q of body.items as {
        id: string;
        reasonCode: string;
        messageId: string | null;
        claimedSender: string | null;
        receivedAt: string;
        replayedAt: string | null;
        reason: string;
      }[]) {
        io.out(
          `${q.id}\t${q.reasonCode}\t${q.receivedAt}\t${q.claimedSender ?? '-'}\t${q.messageId ?? '-'}\t${q.replayedAt ? `replayed ${q.replayedAt}` : ''}\t${q.reason.slice(0, 120)}`,
        );
      }
    });
  quarantine
    .command('replay')
    .description(
      'put a quarantined record back into the inbox once its cause is fixed (admin role); it is checked again like any record',
    )
    .requiredOption('--gateway <url>', 'gateway base URL')
    .requiredOption('--id <id>', 'quarantine row id (see quarantine list)')
    .option('--token <jwt>', 'bearer token (default: XIETONG_TOKEN)')
    .action(async (o: { gateway: string; token?: string; id: string }) => {
      const r = await api(o, 'POST', `/api/v1/quarantine/${encodeURIComponent(o.id)}/replay`);
      io.out(
        `record ${String(r.quarantineId)} replayed into ${String(r.topic)}[${String(r.partition)}]@${String(r.offset)}`,
      );
    });
}
