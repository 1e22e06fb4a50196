import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { WebhookAllowEntry } from '@xietong/config';
import { DomainError } from '@xietong/contracts';

/** Loopback, link-local, private, shared, reserved and multicast ranges a webhook must not reach by default. */
const PRIVATE_V4 = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const;
const PRIVATE_V6 = [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The SSRF rule of webhooks (docs/webhooks.md): an endpoint on a loopback, link-local or private
 * address is refused unless the allowlist (XIETONG_WEBHOOK_ALLOW_PRIVATE) names it. The rule is
 * applied to the address a connection actually goes to, through {@link lookup} on the socket
 * (DNS rebinding cannot slip past a check made earlier), and to IP literals before connecting.
 */
export class SsrfGuard {
  private readonly blocked = new BlockList();

  constructor(private readonly allow: readonly WebhookAllowEntry[]) {
    for (const [a, bits] of PRIVATE_V4) this.blocked.addSubnet(a, bits, 'ipv4');
    for (const [a, bits] of PRIVATE_V6) this.blocked.addSubnet(a, bits, 'ipv6');
  }

  /** Why `address:port` may not be reached, or undefined when it may. */
  refusal(address: string, port: number): string | undefined {
    const plain = address.replace(/^\[|\]$/g, '');
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain)?.[1];
    const ip = mapped ?? plain;
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(ip) === 0) return `${address} is not an IP address`;
    if (!this.blocked.check(ip, family)) return undefined;
    if (this.allow.some((e) => (e.port === undefined || e.port === port) && allows(e, ip, family))) return undefined;
    return `${ip} port ${port} is a loopback, link-local or private address not named in XIETONG_WEBHOOK_ALLOW_PRIVATE`;
  }

  /** WEBHOOK_URL_REFUSED unless `url` is an http(s) URL whose host (as resolved now) may be reached. */
  async checkUrl(url: string): Promise<URL> {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new DomainError('VALIDATION_FAILED', `url must be an absolute http or https URL, got "${url}"`, 'url');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new DomainError('VALIDATION_FAILED', `url must use http or https, got ${u.protocol}`, 'url');
    if (u.username || u.password) throw new DomainError('VALIDATION_FAILED', 'url must not carry credentials', 'url');
    const port = portOf(u);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const addresses =
      isIP(host) !== 0
        ? [host]
        : await new Promise<string[]>((resolve, reject) =>
            dnsLookup(host, { all: true }, (err, found) =>
              err
                ? reject(new DomainError('WEBHOOK_URL_REFUSED', `cannot resolve ${host}: ${err.code ?? err.message}`))
                : resolve(found.map((a) => a.address)),
            ),
          );
    for (const a of addresses) {
      const why = this.refusal(a, port);
      if (why) throw new DomainError('WEBHOOK_URL_REFUSED', `${u.host}: ${why}`, 'url');
    }
    return u;
  }

  /** A `lookup` for a socket to `port`: resolves, then fails the connection if any address is refused. */
  lookupFor(port: number) {
    return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
      dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
        if (err) return callback(err, '');
        const refused = addresses.map((a) => this.refusal(a.address, port)).find(Boolean);
        if (refused) return callback(Object.assign(new Error(`refused: ${refused}`), { code: 'EWEBHOOKSSRF' }), '');
        if (options.all) return callback(null, addresses);
        callback(null, addresses[0].address, addresses[0].family);
      });
    };
  }
}

function allows(e: WebhookAllowEntry, ip: string, family: 'ipv4' | 'ipv6'): boolean {
  const efamily = isIP(e.address) === 6 ? 'ipv6' : 'ipv4';
  if (efamily !== family) return false;
  const list = new BlockList();
  if (e.bits === undefined) list.addAddress(e.address, efamily);
  else list.addSubnet(e.address, e.bits, efamily);
  return list.check(ip, family);
}

export function portOf(u: URL): number {
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}
