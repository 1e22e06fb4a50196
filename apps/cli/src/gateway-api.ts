import { InvalidArgumentError } from 'commander';
import { CliExit, type CliIo } from './cli-io';

/** Where and as whom a command calls a gateway's HTTP API. */
export interface GatewayTarget {
  gateway: string;
  token?: string;
}

/**
 * A JSON call to a gateway's HTTP API with a bearer token (--token or XIETONG_TOKEN). An unreachable
 * gateway ends the command with exit 2, an error answer with exit 1, each explained on stderr.
 */
export async function callGateway(
  io: CliIo,
  o: GatewayTarget,
  method: 'GET' | 'POST',
  path: string,
  body: unknown = {},
): Promise<Record<string, unknown>> {
  const token = o.token ?? process.env.XIETONG_TOKEN;
  if (!token) throw new InvalidArgumentError('give a bearer token with --token or XIETONG_TOKEN');
  const res = await fetch(new URL(path, o.gateway), {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    },
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
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
