/** Where a command writes: stdout and stderr, or a test's buffers. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** What every command group is registered with. */
export interface CliDeps {
  io: CliIo;
}

/** Ends a command with an exit code after it printed its own explanation. */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
