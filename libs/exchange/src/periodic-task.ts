/**
 * Runs a task every `everyMs` in the background, never two runs at once (a tick that finds one in
 * flight is skipped); a failed run is reported and the next tick tries again. The timer does not keep
 * the process alive, and `stop()` waits for the run in flight. The scheduler role's loops (deadline
 * checks, audit checkpoints, retention) run on it.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly everyMs: number,
    private readonly failed: (e: Error) => void,
  ) {}

  get started(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.task()
        .catch((e) => this.failed(e as Error))
        .finally(() => (this.running = undefined));
    }, this.everyMs);
    this.timer.unref();
  }

  /** Stops the ticks and waits for the run in flight, if any. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
