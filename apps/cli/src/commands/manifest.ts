import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Federation, readJwk, signManifest, verifyManifest, type Manifest } from '@xietong/federation';
import { CliExit, type CliDeps } from '../cli-io';

/** `manifest sign`, `verify` and `show`. */
export function registerManifestCommands(program: Command, { io }: CliDeps): void {
  const manifest = program.command('manifest').description('sign, verify and show the federation manifest');
  manifest
    .command('sign')
    .description('sign a manifest JSON with the zone authority private key')
    .requiredOption('--in <file>', 'manifest JSON')
    .requiredOption('--key <file>', 'authority private JWK')
    .requiredOption('--out <file>', 'signed manifest (compact JWS)')
    .action(async (o: { in: string; key: string; out: string }) => {
      const payload = JSON.parse(await readFile(o.in, 'utf8')) as Manifest;
      const expires = Date.parse(String(payload.expiresAt));
      if (!(expires > Date.now())) {
        io.err(
          `error: manifest serial ${payload.serial} ${Number.isNaN(expires) ? 'has no valid expiresAt' : `expired at ${payload.expiresAt}`}; set a later expiresAt before signing`,
        );
        throw new CliExit(1);
      }
      await writeFile(o.out, (await signManifest(payload, await readJwk(o.key))) + '\n');
      io.out(`signed manifest serial ${payload.serial} -> ${o.out}`);
    });
  manifest
    .command('verify')
    .description('verify signature and expiry against the authority public key; exit 1 if invalid')
    .requiredOption('--in <file>', 'signed manifest')
    .requiredOption('--authority <file>', 'authority public JWK')
    .action(async (o: { in: string; authority: string }) => {
      const m = await verifyManifest(await readFile(o.in, 'utf8'), await readJwk(o.authority));
      io.out(
        `valid: serial ${m.serial}, issued ${m.issuedAt} by ${m.issuer}, expires ${m.expiresAt}, ${m.members.length} members, ${m.agreements.length} agreements, ${m.schemas.length} schemas`,
      );
    });
  manifest
    .command('show')
    .description('print a verified manifest: members, keys, agreements, schemas (--json for the payload)')
    .requiredOption('--in <file>', 'signed manifest')
    .requiredOption('--authority <file>', 'authority public JWK')
    .option('--json', 'print the payload JSON (edit it, then `manifest sign`)')
    .action(async (o: { in: string; authority: string; json?: boolean }) => {
      const m = await verifyManifest(await readFile(o.in, 'utf8'), await readJwk(o.authority));
      if (o.json) return io.out(JSON.stringify(m, null, 2));
      const f = new Federation(m);
      io.out(`manifest serial ${m.serial} (${m.issuer}), valid until ${m.expiresAt}`);
      io.out('members:');
      for (const mem of m.members) {
        io.out(`  ${mem.id} ${mem.name} inbox=${mem.inbox}`);
        for (const k of mem.signingKeys) io.out(`    sign ${k.kid} ${k.alg} ${k.notBefore} .. ${k.notAfter}`);
        io.out(`    enc  ${mem.encryptionKey.kid} ${mem.encryptionKey.alg}`);
      }
      io.out('agreements:');
      for (const a of m.agreements) {
        const parties = m.members
          .filter((mem) => f.agreementsFor(mem.id, mem.id, a.messageTypes[0] ?? 'LEAD').some((x) => x.id === a.id))
          .map((mem) => mem.id);
        io.out(
          `  ${a.id} ${a.name}: ${a.messageTypes.join(',')}; members ${a.members.join(',')}; gateways ${parties.join(',') || '-'}`,
        );
      }
      io.out('schemas:');
      for (const s of m.schemas) io.out(`  ${s.type} v${s.version} ${s.name} sha256:${s.fingerprint}`);
    });
}
