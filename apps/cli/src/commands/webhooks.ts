import { type Command, InvalidArgumentError } from 'commander';
import { CliExit, type CliDeps, type CliIo } from '../cli-io';

interface ApiOptions {
  gateway: string;
  token?: string;
}

/** One call of the gateway's webhook API (admin role); a refusal is printed and exits 1. */
async function call(io: CliIo, o: ApiOptions, method: string, path: string, body?: unknown): Promise<any> {
  const token = o.token ?? process.env.XIETONG_TOKEN;
  if (!token) throw new InvalidArgumentError('give a bearer token with --token or XIETONG_TOKEN');
  const res = await fetch(new URL(`/api/v1/webhooks${path}`, o.gateway), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch((e: Error) => {
    io.err(`cannot reach ${o.gateway}: ${e.message}`);
    throw new CliExit(2);
  });
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    io.err(`${res.status} ${String(answer.error ?? '')}: ${String(answer.message ?? res.statusText)}`);
    throw new CliExit(1);
  }
  return answer;
}

const events = (v: string) => v.split(',').map((s) => s.trim());
const withApi = (c: Command) =>
  c
    .requiredOption('--gateway <url>', 'gateway base URL, e.g. http://127.0.0.1:3001')
    .option('--token <jwt>', 'bearer token with the admin role (default: XIETONG_TOKEN)');

function endpointLine(e: Record<string, any>): string {
  const state = e.enabled ? 'enabled' : `disabled (${String(e.disabledReason)})`;
  return `${e.id}\t${state}\t${(e.eventTypes as string[]).join(',')}\t${e.url}${e.failingSince ? `\tfailing since ${e.failingSince}` : ''}`;
}

/** `webhooks add|list|update|remove|rotate-secret|deliveries|redeliver`, through a gateway's HTTP API. */
export function registerWebhookCommands(program: Command, { io }: CliDeps): void {
  const webhooks = program
    .command('webhooks')
    .description("a gateway's webhook endpoints for the county's own systems, through its HTTP API (admin role)");
  withApi(webhooks.command('list').description('endpoints, their state and event types')).action(
    async (o: ApiOptions) => {
      for (const e of (await call(io, o, 'GET', '/endpoints')).items) io.out(endpointLine(e));
    },
  );
  withApi(webhooks.command('add').description('add an endpoint; prints its secret, shown this once'))
    .requiredOption('--url <url>', 'where to POST the events')
    .option('--events <types>', 'comma-separated event types, or * (default)', events)
    .option('--description <text>', 'what system this is')
    .action(async (o: ApiOptions & { url: string; events?: string[]; description?: string }) => {
      const e = await call(io, o, 'POST', '/endpoints', {
        url: o.url,
        ...(o.events ? { eventTypes: o.events } : {}),
        ...(o.description ? { description: o.description } : {}),
      });
      io.out(endpointLine(e));
      io.out(`secret (shown once): ${String(e.secret)}`);
    });
  withApi(
    webhooks.command('update').description('change an endpoint; --enable also clears a disabling (410, failures)'),
  )
    .requiredOption('--id <id>', 'endpoint id')
    .option('--url <url>', 'new URL')
    .option('--events <types>', 'comma-separated event types, or *', events)
    .option('--enable', 'enable it')
    .option('--disable', 'disable it')
    .action(
      async (o: ApiOptions & { id: string; url?: string; events?: string[]; enable?: boolean; disable?: boolean }) => {
        if (o.enable && o.disable) throw new InvalidArgumentError('give --enable or --disable, not both');
        const e = await call(io, o, 'PATCH', `/endpoints/${encodeURIComponent(o.id)}`, {
          ...(o.url ? { url: o.url } : {}),
          ...(o.events ? { eventTypes: o.events } : {}),
          ...(o.enable ? { enabled: true } : o.disable ? { enabled: false } : {}),
        });
        io.out(endpointLine(e));
      },
    );
  withApi(webhooks.command('remove').description('remove an endpoint with its queue and delivery log'))
    .requiredOption('--id <id>', 'endpoint id')
    .action(async (o: ApiOptions & { id: string }) => {
      await call(io, o, 'DELETE', `/endpoints/${encodeURIComponent(o.id)}`);
      io.out(`removed ${o.id}`);
    });
  withApi(webhooks.command('rotate-secret').description('a new secret; the old one keeps signing for the overlap'))
    .requiredOption('--id <id>', 'endpoint id')
    .option('--overlap-seconds <n>', 'how long the old secret still signs', (v) => {
      if (!/^\d{1,7}$/.test(v)) throw new InvalidArgumentError('a number of seconds');
      return Number(v);
    })
    .action(async (o: ApiOptions & { id: string; overlapSeconds?: number }) => {
      const r = await call(io, o, 'POST', `/endpoints/${encodeURIComponent(o.id)}/rotate-secret`, {
        ...(o.overlapSeconds === undefined ? {} : { overlapSeconds: o.overlapSeconds }),
      });
      io.out(`secret (shown once): ${String(r.secret)}`);
      io.out(`the previous secret signs too until ${String(r.previousSecretUntil)}`);
    });
  withApi(
    webhooks.command('deliveries').description('the delivery log of an endpoint: each attempt with status and time'),
  )
    .requiredOption('--id <id>', 'endpoint id')
    .action(async (o: ApiOptions & { id: string }) => {
      for (const d of (await call(io, o, 'GET', `/endpoints/${encodeURIComponent(o.id)}/deliveries`)).items) {
        io.out(`${d.id}\t${d.eventId}\t${d.eventType}\t${d.status}\tattempts ${d.attempts}`);
        for (const a of d.log)
          io.out(`\t${a.attemptedAt}\t${a.statusCode ?? '-'}\t${a.durationMs} ms${a.error ? `\t${a.error}` : ''}`);
      }
    });
  withApi(webhooks.command('redeliver').description('send a delivery again now, with the same webhook-id'))
    .requiredOption('--delivery <id>', 'delivery id (see webhooks deliveries)')
    .action(async (o: ApiOptions & { delivery: string }) => {
      await call(io, o, 'POST', `/deliveries/${encodeURIComponent(o.delivery)}/redeliver`);
      io.out(`delivery ${o.delivery} queued again`);
    });
}
