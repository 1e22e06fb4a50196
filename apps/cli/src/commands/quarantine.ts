import { type Command, InvalidArgumentError } from 'commander';
import { CliExit, type CliDeps } from '../cli-io';

/** `quarantine list` and `quarantine replay`, through a gateway's HTTP API. */
export function registerQuarantineCommands(program: Command, { io }: CliDeps): void {
  const quarantine = program
    .command('quarantine')
    .description("a gateway's quarantine, through its HTTP API (token: XIETONG_TOKEN or --token)");
  const api = async (o: { gateway: string; token?: string }, method: 'GET' | 'POST', path: string) => {
    const token = o.token ?? process.env.XIETONG_TOKEN;
    if (!token) throw new InvalidArgumentError('give a bearer token with --token or XIETONG_TOKEN');
    const res = await fetch(new URL(path, o.gateway), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { body: '{}' } : {}),
    }).catch((e: Error) => {
      io.err(`cannot reach ${o.gateway}: ${e.message}`);
      throw new CliExit(2);
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      io.err(`${res.status} ${String(body.error ?? '')}: ${String(body.message ?? res.statusText)}`);
      throw new CliExit(1);
    }
    return body;
  };
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
