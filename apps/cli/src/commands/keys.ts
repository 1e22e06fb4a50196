import { writeFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { generateEncryptionKey, generateSigningKey, type SigningAlgorithm } from '@xietong/crypto';
import type { CliDeps } from '../cli-io';
import { signingAlg } from '../options';

/** `keys generate`: a new agency key. */
export function registerKeyCommands(program: Command, { io }: CliDeps): void {
  const keys = program.command('keys').description('generate agency keys');
  keys
    .command('generate')
    .description('write a new private JWK (signing or encryption) and print its public half')
    .requiredOption('--kid <kid>', 'key id, e.g. 341825-sig-2')
    .requiredOption('--out <file>', 'where to write the private JWK (mode 600)')
    .option('--use <use>', 'sig or enc', 'sig')
    .option('--alg <alg>', 'signing algorithm EdDSA, ES256 or SM2 (SM2 with SM3, GB/T 32918)', signingAlg, 'EdDSA')
    .action(async (o: { kid: string; out: string; use: string; alg: SigningAlgorithm }) => {
      if (o.use !== 'sig' && o.use !== 'enc') throw new InvalidArgumentError('--use must be sig or enc');
      const pair = o.use === 'sig' ? await generateSigningKey(o.alg, o.kid) : await generateEncryptionKey(o.kid);
      await writeFile(o.out, JSON.stringify(pair.privateJwk, null, 2) + '\n', { mode: 0o600 });
      io.out(JSON.stringify(pair.publicJwk, null, 2));
    });
}
