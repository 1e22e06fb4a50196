import type { Command } from 'commander';
import { checkUscc, isValidResidentId, maskResidentId } from '@xietong/workflow';
import { CliExit, type CliDeps } from '../cli-io';

/** `check-uscc` and `check-id`: the check characters of credit codes and identity numbers. */
export function registerCheckCommands(program: Command, { io }: CliDeps): void {
  program
    .command('check-uscc')
    .description('check a unified social credit code (GB 32100); exit 1 if malformed or the check character fails')
    .argument('<code>')
    .action((code: string) => {
      const r = checkUscc(code);
      if (r.valid) return io.out(`${r.code}: valid`);
      io.err(`${r.code}: ${r.problem === 'checksum' ? 'checksum mismatch' : 'malformed'}: ${r.message}`);
      throw new CliExit(1);
    });

  program
    .command('check-id')
    .description(
      'check a resident identity number (GB 11643: birth date and check character); exit 1 if it fails. The number is echoed masked',
    )
    .argument('<idNumber>')
    .action((id: string) => {
      const masked = maskResidentId(id.trim().toUpperCase());
      if (isValidResidentId(id)) return io.out(`${masked}: valid`);
      io.err(`${masked}: invalid: not 18 characters, an impossible birth date or a wrong check character`);
      throw new CliExit(1);
    });
}
