import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli';
import { decodeJwt } from 'jose';
import { repoRoot } from '@xietong/config';
import { Database, ManifestArchiveRepository } from '@xietong/persistence';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

// One federation, written once, for every spec below (they run in file order).
const dir = mkdtempSync(join(tmpdir(), 'xt-cli-'));

beforeAll(async () => {
  expect(
    await runCli(
      ['federation', 'init', '--dir', dir, '--members', '341825,330100', '--federation', 'zone-a'],
      capture().io,
    ),
  ).toBe(0);
});

describe('xietong CLI: manifest and kafka plan', () => {
  it('verifies the manifest it wrote', async () => {
    const c = capture();
    expect(
      await runCli(
        [
          'manifest',
          'verify',
          '--in',
          join(dir, 'manifest.jws'),
          '--authority',
          join(dir, 'authority.public.jwk.json'),
        ],
        c.io,
      ),
    ).toBe(0);
    expect(c.out.join('\n')).toMatch(/valid: serial 1, .* 2 members, 7 agreements, 14 schemas/);
  });

  it('re-signs an edited manifest, and refuses a tampered one with exit code 1', async () => {
    const c = capture();
    await runCli(
      [
        'manifest',
        'show',
        '--json',
        '--in',
        join(dir, 'manifest.jws'),
        '--authority',
        join(dir, 'authority.public.jwk.json'),
      ],
      c.io,
    );
    const payload = JSON.parse(c.out.join('\n'));
    payload.serial = 2;
    writeFileSync(join(dir, 'm2.json'), JSON.stringify(payload));
    expect(
      await runCli(
        [
          'manifest',
          'sign',
          '--in',
          join(dir, 'm2.json'),
          '--key',
          join(dir, 'authority.private.jwk.json'),
          '--out',
          join(dir, 'm2.jws'),
        ],
        capture().io,
      ),
    ).toBe(0);
    writeFileSync(join(dir, 'm-old.json'), JSON.stringify({ ...payload, expiresAt: '2020-01-01T00:00:00Z' }));
    const expired = capture();
    const signOld = [
      'manifest',
      'sign',
      '--in',
      join(dir, 'm-old.json'),
      '--key',
      join(dir, 'authority.private.jwk.json'),
    ];
    expect(await runCli([...signOld, '--out', join(dir, 'm-old.jws')], expired.io)).toBe(1);
    expect(expired.err.join('\n')).toMatch(/expired at 2020-01-01T00:00:00Z/);
    expect(existsSync(join(dir, 'm-old.jws'))).toBe(false);
    const [h, p, s] = readFileSync(join(dir, 'm2.jws'), 'utf8').trim().split('.');
    const tampered = Buffer.from(
      Buffer.from(p, 'base64url')
        .toString()
        .replace(/"serial": *2/, '"serial": 3'),
    ).toString('base64url');
    writeFileSync(join(dir, 'm3.jws'), `${h}.${tampered}.${s}`);
    const bad = capture();
    expect(
      await runCli(
        ['manifest', 'verify', '--in', join(dir, 'm3.jws'), '--authority', join(dir, 'authority.public.jwk.json')],
        bad.io,
      ),
    ).toBe(1);
    expect(bad.err.join('\n')).toMatch(/MANIFEST_INVALID: .*does not verify/);
  });

  it('plans topics with 14-day retention and the ACLs of each member', async () => {
    const c = capture();
    expect(await runCli(['kafka', 'plan', '--manifest', join(dir, 'manifest.jws'), '--json'], c.io)).toBe(0);
    const plan = JSON.parse(c.out.join('\n'));
    expect(plan.topics.map((t: { name: string }) => t.name)).toEqual([
      'zone-a.inbox.330100',
      'zone-a.dlq.330100',
      'zone-a.inbox.341825',
      'zone-a.dlq.341825',
    ]);
    expect(plan.topics[0]).toMatchObject({
      partitions: 3,
      replicationFactor: 3,
      configs: { 'retention.ms': String(14 * 86_400_000), 'min.insync.replicas': '2' },
    });
    const text = capture();
    await runCli(['kafka', 'plan', '--manifest', join(dir, 'manifest.jws'), '--retention-days', '30'], text.io);
    expect(text.out.join('\n')).toContain('zone-a.inbox.341825  partitions=3 rf=3 min.insync.replicas=2 retention=30d');
    expect(text.out.join('\n')).toContain('User:341825  WRITE  topic:zone-a.inbox.330100');
  });

  it("plans each member's client quotas: the defaults, or --producer-byte-rate / --request-percentage", async () => {
    const c = capture();
    await runCli(['kafka', 'plan', '--manifest', join(dir, 'manifest.jws')], c.io);
    expect(c.out.join('\n')).toContain('User:341825  producer_byte_rate=1048576  request_percentage=50');
    const set = capture();
    const args = ['kafka', 'plan', '--manifest', join(dir, 'manifest.jws'), '--json'];
    await runCli([...args, '--producer-byte-rate', '65536', '--request-percentage', '20'], set.io);
    expect(JSON.parse(set.out.join('\n')).quotas).toContainEqual({
      principal: 'User:330100',
      quotas: { producer_byte_rate: 65_536, request_percentage: 20 },
    });
    const bad = capture();
    expect(await runCli([...args, '--producer-byte-rate', '100'], bad.io)).toBe(1);
    expect(bad.err.join('\n')).toMatch(/producer byte rate must be an integer of at least 1024/);
  });

  it('refuses to plan from a manifest the authority did not sign', async () => {
    const c = capture();
    const forged = join(dir, 'forged.jws');
    const [h, p, s] = readFileSync(join(dir, 'manifest.jws'), 'utf8').trim().split('.');
    const payload = Buffer.from(p, 'base64url').toString().replace('"zone-a.inbox.330100"', '"zone-a.inbox.330101"');
    writeFileSync(forged, `${h}.${Buffer.from(payload).toString('base64url')}.${s}`);
    expect(
      await runCli(
        ['kafka', 'plan', '--manifest', forged, '--authority', join(dir, 'authority.public.jwk.json')],
        c.io,
      ),
    ).toBe(1);
    expect(c.err.join('\n')).toMatch(/MANIFEST_INVALID/);
  });

  it('shows members with their keys and agreements', async () => {
    const c = capture();
    await runCli(
      ['manifest', 'show', '--in', join(dir, 'manifest.jws'), '--authority', join(dir, 'authority.public.jwk.json')],
      c.io,
    );
    const text = c.out.join('\n');
    expect(text).toContain('341825 旌德县 inbox=zone-a.inbox.341825');
    expect(text).toMatch(/yrd .*gateways 341825,330100/);
  });
});

describe('xietong CLI: schemas and option values', () => {
  it('refuses an incompatible schema change with a message that says which readers break', async () => {
    writeFileSync(
      join(dir, 'old.avsc'),
      JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] }),
    );
    writeFileSync(
      join(dir, 'new.avsc'),
      JSON.stringify({
        type: 'record',
        name: 'R',
        fields: [
          { name: 'a', type: 'string' },
          { name: 'b', type: 'int' },
        ],
      }),
    );
    const c = capture();
    expect(
      await runCli(['schema', 'check', '--old', join(dir, 'old.avsc'), '--new', join(dir, 'new.avsc')], c.io),
    ).toBe(1);
    expect(c.err.join('\n')).toMatch(
      /SCHEMA_INCOMPATIBLE: the new version cannot read data written with the old version/,
    );
  });

  it('checks envelope versions by the envelope rules: v2 may follow v1, a reordered enum may not', async () => {
    const shipped = join(__dirname, '../../../schemas');
    const ok = capture();
    expect(
      await runCli(
        ['schema', 'check', '--old', join(shipped, 'envelope.v1.avsc'), '--new', join(shipped, 'envelope.v2.avsc')],
        ok.io,
      ),
    ).toBe(0);
    expect(ok.out.join('\n')).toMatch(/compatible: envelope .* can follow .*type enum has no default/);
    const v2 = JSON.parse(readFileSync(join(shipped, 'envelope.v2.avsc'), 'utf8')) as {
      fields: { name: string; type: { symbols?: string[] } }[];
    };
    v2.fields.find((f) => f.name === 'type')!.type.symbols!.reverse();
    writeFileSync(join(dir, 'envelope.bad.avsc'), JSON.stringify(v2));
    const bad = capture();
    expect(
      await runCli(
        ['schema', 'check', '--old', join(shipped, 'envelope.v2.avsc'), '--new', join(dir, 'envelope.bad.avsc')],
        bad.io,
      ),
    ).toBe(1);
    expect(bad.err.join('\n')).toMatch(/SCHEMA_INCOMPATIBLE: the new version must keep the old MessageType symbols/);
  });

  it('prints both fingerprints of the shipped schemas', async () => {
    const c = capture();
    expect(await runCli(['schema', 'fingerprint'], c.io)).toBe(0);
    // Apache Avro's SchemaNormalization.parsingFingerprint64 of envelope.v1.avsc (test/conformance checks all).
    expect(c.out.find((l) => l.includes('envelope.v1.avsc'))).toMatch(/sha256:[0-9a-f]{64}\trabin:0cbefbbf694d3742/);
  });

  it('rejects a bad option value with a usage error', async () => {
    const c = capture();
    expect(
      await runCli(['keys', 'generate', '--kid', 'k', '--out', join(dir, 'k.json'), '--alg', 'RS256'], c.io),
    ).not.toBe(0);
    expect(c.err.join('\n')).toContain('expected EdDSA, ES256 or SM2');
  });
});

describe('xietong CLI: deadlines, checks, version and usage errors', () => {
  it('answers the due date of a working-day count', async () => {
    const c = capture();
    expect(await runCli(['deadline', '--received', '2026-02-11', '--working-days', '7'], c.io)).toBe(0);
    expect(c.out).toEqual(['2026-02-27']);
    const p = capture();
    await runCli(['deadline', '--received', '2026-12-28', '--limit', 'lead-feedback'], p.io);
    expect(p.out[0]).toMatch(/^2027-01-07 \(provisional: no published holiday schedule for 2027; statutory holidays/);
    const n = capture();
    expect(await runCli(['deadline', '--received', '2026-12-25', '--working-days', '7'], n.io)).toBe(0);
    expect(n.out[0]).toMatch(/^2027-01-06 \(provisional/);
    expect(await runCli(['deadline', '--received', '2026-02-11'], capture().io)).toBe(1);
  });

  it('checks a credit code and says which check character it expected', async () => {
    const ok = capture();
    expect(await runCli(['check-uscc', '91350200776049653A'], ok.io)).toBe(0);
    const bad = capture();
    expect(await runCli(['check-uscc', '91310000MA1FL0XX7M'], bad.io)).toBe(1);
    expect(bad.err.join('\n')).toMatch(/checksum mismatch: .*give Y/);
  });

  it('runs the retention policy as of a given instant, and refuses an instant it cannot read', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'xt-ret-')), 'gw.sqlite');
    const where = ['--agency', '341825', '--database-url', `sqlite:${db}`, '--federation-dir', dir];
    // The command opens a gateway's database without migrating it: make one as a gateway would.
    await (await Database.open({ type: 'better-sqlite3', file: db })).close();
    const c = capture();
    expect(await runCli(['retention', 'run', ...where, '--now', '2030-01-01T00:00:00Z', '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.out.join('\n'))).toMatchObject({ now: '2030-01-01T00:00:00.000Z', dryRun: false, erased: [] });
    const bad = capture();
    expect(await runCli(['retention', 'run', ...where, '--now', 'next year'], bad.io)).toBe(1);
    expect(bad.err.join('\n')).toContain('an ISO-8601 date or instant');
  });

  it('prints its version', async () => {
    const c = capture();
    expect(await runCli(['--version'], c.io)).toBe(0);
    expect(c.out.join('\n')).toBe(JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')).version);
  });

  it('has a bin entry for npx xietong that runs the built CLI', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));
    const bin = readFileSync(join(repoRoot(), pkg.bin.xietong), 'utf8');
    expect(bin.startsWith('#!/usr/bin/env node')).toBe(true);
    expect(bin).toContain("'dist', 'apps', 'cli', 'src', 'main.js'");
  });

  it.each([
    [
      ['deadline', '--received', '2026-07-03'],
      /give exactly one of --working-days, --days or --limit/,
      'xietong deadline',
    ],
    [['audit', 'verify'], /give --agency \(database\) or --file/, 'xietong audit verify'],
    [['audit', 'verify', '--file', 'x.json'], /--file needs --authority/, 'xietong audit verify'],
    [['auth', 'token', '--roles', 'auditer'], /required option/, 'xietong auth token'],
    [['quarantine', 'list'], /required option '--gateway <url>'/, 'xietong quarantine list'],
    [['webhooks', 'add', '--gateway', 'http://127.0.0.1:1'], /required option '--url <url>'/, 'xietong webhooks add'],
    [['keys', 'generate', '--use', 'foo'], /required option|sig or enc/, 'xietong keys generate'],
    [['audit', 'report', '--format', 'xml'], /required option|json or csv/, 'xietong audit report'],
  ])('a usage error of %j says what was wrong and shows the usage, exit 1', async (argv, what, usage) => {
    const c = capture();
    expect(await runCli(argv, c.io)).toBe(1);
    const err = c.err.join('\n');
    expect(err).toMatch(what);
    expect(err).toContain(`Usage: ${usage}`);
  });
});

describe('xietong CLI: federation init, identity numbers and tokens', () => {
  it('refuses to overwrite an existing federation without --force', async () => {
    const authority = readFileSync(join(dir, 'authority.private.jwk.json'), 'utf8');
    const again = capture();
    expect(await runCli(['federation', 'init', '--dir', dir, '--members', '341825,330100'], again.io)).toBe(1);
    expect(again.err.join('\n')).toMatch(/already holds a federation .*--force to overwrite/);
    expect(again.err.join('\n')).toContain('Usage: xietong federation init');
    expect(readFileSync(join(dir, 'authority.private.jwk.json'), 'utf8')).toBe(authority);
    const other = mkdtempSync(join(tmpdir(), 'xt-cli-force-'));
    expect(await runCli(['federation', 'init', '--dir', other, '--members', '341825'], capture().io)).toBe(0);
    const first = readFileSync(join(other, 'authority.private.jwk.json'), 'utf8');
    expect(await runCli(['federation', 'init', '--dir', other, '--members', '341825', '--force'], capture().io)).toBe(
      0,
    );
    expect(readFileSync(join(other, 'authority.private.jwk.json'), 'utf8')).not.toBe(first);
  });

  it('refuses a member id that is not a GB/T 2260 division code unless told the list is behind', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'xt-cli-gbt-'));
    const c = capture();
    expect(await runCli(['federation', 'init', '--dir', fresh, '--members', '341825,999999'], c.io)).toBe(1);
    expect(c.err.join('\n')).toMatch(/member 999999 is not a GB\/T 2260 division code/);
    expect(existsSync(join(fresh, 'manifest.jws'))).toBe(false);
    expect(
      await runCli(
        ['federation', 'init', '--dir', fresh, '--members', '341825,999999', '--allow-unlisted'],
        capture().io,
      ),
    ).toBe(0);
  });

  it('checks a resident ID number and echoes it masked', async () => {
    const ok = capture();
    expect(await runCli(['check-id', '11010519491231002X'], ok.io)).toBe(0);
    expect(ok.out.join('\n')).toBe('110105********002X: valid');
    const bad = capture();
    expect(await runCli(['check-id', '110105194912310021'], bad.io)).toBe(1);
    expect(bad.err.join('\n')).toMatch(/^110105\*+0021: invalid/);
    expect(bad.err.join('\n')).not.toContain('110105194912310021');
  });

  it('issues a development token that the gateway issuer keys verify', async () => {
    const c = capture();
    expect(
      await runCli(['auth', 'token', '--dir', dir, '--agency', '341825', '--roles', 'handler,auditor'], c.io),
    ).toBe(0);
    const { jwtVerify, createLocalJWKSet } = await import('jose');
    const jwks = JSON.parse(readFileSync(join(dir, 'auth', '341825.jwks.json'), 'utf8'));
    const { payload } = await jwtVerify(c.out[0], createLocalJWKSet(jwks), {
      issuer: 'xietong-local-idp',
      audience: 'xietong-gateway-341825',
    });
    expect(payload.roles).toEqual(['handler', 'auditor']);
    expect(
      await runCli(['auth', 'token', '--dir', dir, '--agency', '341825', '--roles', 'root'], capture().io),
    ).not.toBe(0);
  });
});

describe('xietong CLI: archives', () => {
  const dbFile = join(dir, 'archive-cli.sqlite');
  const out = join(dir, 'archives');
  const common = ['--agency', '341825', '--database-url', `sqlite:${dbFile}`, '--federation-dir', dir];
  beforeAll(async () => {
    const db = await Database.open({ type: 'better-sqlite3', file: dbFile });
    const jws = readFileSync(join(dir, 'manifest.jws'), 'utf8').trim();
    await new ManifestArchiveRepository(db).keep(Number(decodeJwt(jws).serial), jws);
    await db.close();
  });

  it('exports an archive without a TSA, says it is not timestamped, and verifies it offline', async () => {
    const c = capture();
    expect(await runCli(['archive', 'export', ...common, '--out', out, '--until', '2026-01-01T00:00:00Z'], c.io)).toBe(
      0,
    );
    expect(c.out.join('\n')).toContain('not timestamped: no TSA is configured');
    const v = capture();
    const authority = join(dir, 'authority.public.jwk.json');
    expect(await runCli(['archive', 'verify', '--dir', out, '--authority', authority], v.io)).toBe(0);
    expect(v.out.join('\n')).toContain(
      '341825-000001: 1970-01-01T00:00:00.000Z .. 2026-01-01T00:00:00.000Z, not timestamped',
    );
  });

  it('refuses a period the last archive already covers, and pruning before any archive ends', async () => {
    const c = capture();
    expect(await runCli(['archive', 'export', ...common, '--out', out, '--until', '2025-06-01T00:00:00Z'], c.io)).toBe(
      1,
    );
    expect(c.err.join('\n')).toContain('nothing to archive: archive 1 already reaches 2026-01-01T00:00:00.000Z');
    const p = capture();
    expect(await runCli(['archive', 'prune', ...common, '--until', '2025-01-01T00:00:00Z'], p.io)).toBe(1);
    expect(p.err.join('\n')).toContain('no archive ends at or before 2025-01-01T00:00:00.000Z');
  });

  it('fails to verify a directory without archives', async () => {
    const c = capture();
    const empty = mkdtempSync(join(tmpdir(), 'xt-empty-'));
    const authority = join(dir, 'authority.public.jwk.json');
    expect(await runCli(['archive', 'verify', '--dir', empty, '--authority', authority], c.io)).toBe(1);
    expect(c.err.join('\n')).toContain('holds no archive');
  });
});
