import { AuditChainer, type AuditChainPort } from './chainer';

/** A wake source that records the waits it was asked for and plays back scripted outcomes. */
class ScriptedWake {
  readonly waits: number[] = [];
  constructor(
    private readonly script: boolean[],
    private readonly clock: { t: number },
    private readonly onEnd: () => void,
  ) {}
  wait(ms: number): Promise<boolean> {
    this.waits.push(ms);
    const woken = this.script.shift();
    if (woken === undefined) {
      this.onEnd();
      return Promise.resolve(true);
    }
    // Time passes by the whole wait unless woken early.
    this.clock.t += woken ? 1 : ms;
    return Promise.resolve(woken);
  }
  notify(): void {}
}

/** Runs a chainer until the wake script is played out; resolves once it stopped. */
async function run(chainPending: () => Promise<number>, script: boolean[], log?: (m: string) => void) {
  const clock = { t: 0 };
  const port: AuditChainPort = { chainPending: jest.fn(chainPending) };
  let ended!: () => void;
  const end = new Promise<void>((r) => (ended = r));
  const wake = new ScriptedWake(script, clock, () => ended());
  const c = new AuditChainer(port, wake, { activeMs: 200, activeWindowMs: 1_000, idleMs: 5_000 }, log, () => clock.t);
  c.start();
  await end;
  await c.stop();
  return { wake, port };
}

describe('AuditChainer', () => {
  it('chains again at once while entries come, then polls quickly for the active window, then slowly', async () => {
    // Two passes chain entries, then nothing: 200 ms polls until 1 s has passed, then 5 s.
    const chained = [3, 2];
    const { wake, port } = await run(async () => chained.shift() ?? 0, [false, false, false, false, false, false]);
    // 2 passes with entries + 1 empty pass before each of the 6 waits.
    expect(port.chainPending).toHaveBeenCalledTimes(2 + 7);
    expect(wake.waits).toEqual([200, 200, 200, 200, 200, 5_000, 5_000]);
  });

  it('goes back to the short interval when woken by an append', async () => {
    // Idle from the start (window passes), then a wake-up: short polls again.
    const { wake } = await run(async () => 0, [false, false, false, false, false, false, true, false]);
    expect(wake.waits).toEqual([200, 200, 200, 200, 200, 5_000, 5_000, 200, 200]);
  });

  it('keeps running after a failed pass and reports it', async () => {
    const log = jest.fn();
    let calls = 0;
    const { port } = await run(
      async () => {
        if (++calls === 1) throw new Error('database is down');
        return 0;
      },
      [false, false],
      log,
    );
    expect(log).toHaveBeenCalledWith('audit chaining failed: database is down');
    expect(port.chainPending).toHaveBeenCalledTimes(3);
  });
});
