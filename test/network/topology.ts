import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One namespace of the suite: a broker or an agency's gateway, at `<subnet>.<octet>`. */
export interface Host {
  name: string;
  octet: number;
}

/**
 * The suite's network: one namespace per broker and per agency gateway, each joined to one bridge
 * by a veth pair (`<run>-<name>` on the bridge side, `eth0` inside), the bridge holding
 * `<subnet>.1` for this machine (the test, PostgreSQL, Prometheus and the delaying relay live
 * there). Faults are nftables rules and tc qdiscs inside a namespace or on its veth: removing the
 * namespace removes them. Every name starts with the run's prefix (`xn` + 4 hex digits).
 */
export class Topology {
  readonly bridge: string;
  readonly hostIp: string;

  constructor(
    readonly run: string,
    readonly subnet: string,
  ) {
    this.bridge = `${run}-br`;
    this.hostIp = `${subnet}.1`;
  }

  ns(host: Host): string {
    return `${this.run}-${host.name}`;
  }

  ip(host: Host): string {
    return `${this.subnet}.${host.octet}`;
  }

  /** The command prefix that runs a program inside a host's namespace. */
  exec(host: Host): string[] {
    return ['ip', 'netns', 'exec', this.ns(host)];
  }

  create(hosts: Host[]): void {
    sh('ip', 'link', 'add', this.bridge, 'type', 'bridge');
    sh('ip', 'addr', 'add', `${this.hostIp}/24`, 'dev', this.bridge);
    sh('ip', 'link', 'set', this.bridge, 'up');
    for (const h of hosts) {
      const ns = this.ns(h);
      sh('ip', 'netns', 'add', ns);
      sh('ip', 'link', 'add', ns, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      sh('ip', 'link', 'set', ns, 'master', this.bridge, 'up');
      sh('ip', '-n', ns, 'addr', 'add', `${this.ip(h)}/24`, 'dev', 'eth0');
      sh('ip', '-n', ns, 'link', 'set', 'eth0', 'up');
      sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
      // The table every fault adds its rules to; "heal" flushes its chains.
      nft(ns, [
        'table inet xietong {',
        '  chain input { type filter hook input priority 0; policy accept; }',
        '  chain output { type filter hook output priority 0; policy accept; }',
        '}',
      ]);
    }
  }

  /** Adds rules (nft syntax after `add rule inet xietong <chain>`) inside a host's namespace. */
  async rules(host: Host, rules: { chain: 'input' | 'output'; rule: string }[]): Promise<void> {
    for (const r of rules)
      await run('ip', ['netns', 'exec', this.ns(host), 'nft', `add rule inet xietong ${r.chain} ${r.rule}`]);
  }

  /** Drops what a host receives from (input) or sends to (output) the given addresses. */
  cut(host: Host, peers: Host[], directions: ('input' | 'output')[] = ['input', 'output']): Promise<void> {
    const set = `{ ${peers.map((p) => this.ip(p)).join(', ')} }`;
    return this.rules(
      host,
      directions.map((chain) => ({ chain, rule: `ip ${chain === 'input' ? 'saddr' : 'daddr'} ${set} drop` })),
    );
  }

  /** Removes every nftables fault of a host. */
  async heal(host: Host): Promise<void> {
    for (const chain of ['input', 'output'])
      await run('ip', ['netns', 'exec', this.ns(host), 'nft', `flush chain inet xietong ${chain}`]);
  }

  /**
   * Limits the traffic between a host and the given peers to `rate` (tc htb, both directions: on
   * `eth0` inside for what it sends, on the bridge side of its veth for what it receives); the
   * rest of its traffic (PostgreSQL, the scrapes) keeps the full speed.
   */
  async shape(host: Host, peers: Host[], rate: string): Promise<void> {
    const sides: [string[], string, 'dst' | 'src'][] = [
      [['-n', this.ns(host)], 'eth0', 'dst'],
      [[], this.ns(host), 'src'],
    ];
    for (const [where, dev, match] of sides) {
      await run('tc', [...where, 'qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '20']);
      await run('tc', [...where, 'class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:10', 'htb', 'rate', rate]);
      await run('tc', [
        ...where,
        'class',
        'add',
        'dev',
        dev,
        'parent',
        '1:',
        'classid',
        '1:20',
        'htb',
        'rate',
        '10gbit',
      ]);
      for (const p of peers)
        await run('tc', [
          ...where,
          ...['filter', 'add', 'dev', dev, 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32'],
          ...['match', 'ip', match, `${this.ip(p)}/32`, 'flowid', '1:10'],
        ]);
    }
  }

  async unshape(host: Host): Promise<void> {
    await run('tc', ['-n', this.ns(host), 'qdisc', 'del', 'dev', 'eth0', 'root']).catch(() => undefined);
    await run('tc', ['qdisc', 'del', 'dev', this.ns(host), 'root']).catch(() => undefined);
  }
}

function sh(...argv: string[]): void {
  execFileSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
}

function nft(ns: string, lines: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: lines.join('\n') + '\n' });
}
