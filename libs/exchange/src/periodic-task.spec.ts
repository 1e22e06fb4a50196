import { PeriodicTask } from './periodic-task';

describe('PeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('never runs twice at once, reports a failure and runs again on the next tick', async () => {
    let release!: () => void;
    const runs: number[] = [];
    const failures: string[] = [];
    let n = 0;
    const task = new PeriodicTask(
      () => {
        runs.push(++n);
        if (n === 1) return new Promise<void>((r) => (release = r));
        return Promise.reject(new Error(`run ${n} failed`));
      },
      100,
      (e) => failures.push(e.message),
    );
    task.start();
    await jest.advanceTimersByTimeAsync(350);
    expect(runs).toEqual([1]);
    release();
    await jest.advanceTimersByTimeAsync(100);
    expect(runs).toEqual([1, 2]);
    expect(failures).toEqual(['run 2 failed']);
    await task.stop();
  });

  it('stops ticking and waits for the run in flight', async () => {
    let finished = false;
    const task = new PeriodicTask(
      () => new Promise<void>((r) => setTimeout(() => ((finished = true), r()), 50)),
      100,
      () => undefined,
    );
    task.start();
    expect(task.started).toBe(true);
    await jest.advanceTimersByTimeAsync(100);
    const stopping = task.stop();
    await jest.advanceTimersByTimeAsync(50);
    await stopping;
    expect(finished).toBe(true);
    expect(task.started).toBe(false);
  });
});
