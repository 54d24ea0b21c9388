/**
 * The batcher's rules one by one, against a runner whose batches the test
 * finishes by hand (the real worker pool and models are tested in inference.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamicBatcher, type BatchRunner, type BatcherOptions } from '../src/inference/batcher.js';
import { InferenceError } from '../src/inference/errors.js';

interface Batch {
  task: string;
  items: string[];
  finish(results?: Array<string | Error>): void;
  fail(error: Error): void;
}

/** A runner with `slots` workers; each batch stays running until the test finishes it. */
class ManualRunner implements BatchRunner<string, string> {
  readonly batches: Batch[] = [];
  private busy = 0;
  private listener: () => void = () => undefined;

  constructor(private slots: number) {}

  freeSlots(): number {
    return this.slots - this.busy;
  }

  onCapacity(listener: () => void): void {
    this.listener = listener;
  }

  run(task: string, items: string[]): Promise<Array<string | Error>> {
    this.busy++;
    return new Promise((resolve, reject) => {
      const done = () => {
        this.busy--;
        queueMicrotask(() => this.listener());
      };
      this.batches.push({
        task,
        items,
        finish: (results) => {
          done();
          resolve(results ?? items.map((i) => i.toUpperCase()));
        },
        fail: (error) => {
          done();
          reject(error);
        },
      });
    });
  }
}

const defaults: BatcherOptions = { maxBatchSize: 4, maxWaitMs: 0, maxQueue: 10, defaultTimeoutMs: 1000 };

function setup(slots = 1, options: Partial<BatcherOptions> = {}) {
  const runner = new ManualRunner(slots);
  const batcher = new DynamicBatcher(runner, { ...defaults, ...options });
  return { runner, batcher };
}

async function settled<T>(p: Promise<T>): Promise<T | InferenceError | Error> {
  return p.catch((e: Error) => e);
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DynamicBatcher', () => {
  it('dispatches at once to an idle worker, without waiting for a batch to fill', async () => {
    const { runner, batcher } = setup();
    const result = batcher.submit('sentiment', 'a');
    expect(runner.batches).toHaveLength(1);
    expect(runner.batches[0]!.items).toEqual(['a']);
    runner.batches[0]!.finish();
    await expect(result).resolves.toBe('A');
  });

  it('queues while every worker is busy, then sends what queued as one batch', async () => {
    const { runner, batcher } = setup();
    const first = batcher.submit('sentiment', 'a');
    const rest = ['b', 'c', 'd'].map((t) => batcher.submit('sentiment', t));
    expect(runner.batches).toHaveLength(1);
    expect(batcher.queued).toBe(3);
    runner.batches[0]!.finish();
    await first;
    await vi.waitFor(() => expect(runner.batches).toHaveLength(2));
    expect(runner.batches[1]!.items).toEqual(['b', 'c', 'd']);
    runner.batches[1]!.finish();
    await expect(Promise.all(rest)).resolves.toEqual(['B', 'C', 'D']);
  });

  it('never sends more than maxBatchSize in one batch', async () => {
    const { runner, batcher } = setup(1, { maxBatchSize: 3 });
    const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((t) => batcher.submit('t', t));
    runner.batches[0]!.finish();
    await vi.waitFor(() => expect(runner.batches).toHaveLength(2));
    runner.batches[1]!.finish();
    await vi.waitFor(() => expect(runner.batches).toHaveLength(3));
    runner.batches[2]!.finish();
    expect(runner.batches.map((b) => b.items.length)).toEqual([1, 3, 3]);
    await expect(Promise.all(all)).resolves.toHaveLength(7);
  });

  it('with a wait bound, holds a partial batch at most maxWaitMs, and a full one not at all', async () => {
    const { runner, batcher } = setup(1, { maxWaitMs: 50, maxBatchSize: 3 });
    void batcher.submit('t', 'a');
    await vi.advanceTimersByTimeAsync(49);
    expect(runner.batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runner.batches).toHaveLength(1);
    runner.batches[0]!.finish();
    await vi.advanceTimersByTimeAsync(0);

    const full = ['x', 'y', 'z'].map((t) => batcher.submit('t', t));
    expect(runner.batches).toHaveLength(2);
    expect(runner.batches[1]!.items).toEqual(['x', 'y', 'z']);
    runner.batches[1]!.finish();
    await expect(Promise.all(full)).resolves.toEqual(['X', 'Y', 'Z']);
  });

  it('bounds the queue: past maxQueue a request fails at once as overloaded', async () => {
    const { runner, batcher } = setup(1, { maxQueue: 2 });
    void batcher.submit('t', 'running');
    const queued = [batcher.submit('t', 'q1'), batcher.submit('t', 'q2')];
    const error = await settled(batcher.submit('t', 'one too many'));
    expect(error).toBeInstanceOf(InferenceError);
    expect((error as InferenceError).code).toBe('overloaded');
    expect(batcher.queued).toBe(2);
    runner.batches[0]!.finish();
    await vi.waitFor(() => expect(runner.batches).toHaveLength(2));
    runner.batches[1]!.finish();
    await expect(Promise.all(queued)).resolves.toEqual(['Q1', 'Q2']);
  });

  it('fails a request at its deadline and takes it out of the queue', async () => {
    const { runner, batcher } = setup();
    void batcher.submit('t', 'running');
    const late = settled(batcher.submit('t', 'late', { deadline: Date.now() + 100 }));
    await vi.advanceTimersByTimeAsync(100);
    const error = await late;
    expect((error as InferenceError).code).toBe('timeout');
    expect(batcher.queued).toBe(0);
    runner.batches[0]!.finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(runner.batches).toHaveLength(1); // the expired request never reached a worker
  });

  it('drops a request whose caller has gone', async () => {
    const { runner, batcher } = setup();
    void batcher.submit('t', 'running');
    const controller = new AbortController();
    const gone = settled(batcher.submit('t', 'bye', { signal: controller.signal }));
    const stays = batcher.submit('t', 'stay');
    controller.abort();
    expect(((await gone) as InferenceError).code).toBe('cancelled');
    runner.batches[0]!.finish();
    await vi.waitFor(() => expect(runner.batches).toHaveLength(2));
    expect(runner.batches[1]!.items).toEqual(['stay']);
    runner.batches[1]!.finish();
    await expect(stays).resolves.toBe('STAY');
  });

  it('gives each caller its own result and its own error, in order', async () => {
    const { runner, batcher } = setup();
    void batcher.submit('t', 'running');
    const calls = ['a', 'bad', 'c'].map((t) => settled(batcher.submit('t', t)));
    runner.batches[0]!.finish();
    await vi.waitFor(() => expect(runner.batches).toHaveLength(2));
    runner.batches[1]!.finish(['A', new InferenceError('bad_input', 'no gap'), 'C']);
    const [a, bad, c] = await Promise.all(calls);
    expect(a).toBe('A');
    expect((bad as InferenceError).code).toBe('bad_input');
    expect(c).toBe('C');
  });

  it('fails every request of a batch whose run failed, and keeps serving', async () => {
    const { runner, batcher } = setup();
    const doomed = settled(batcher.submit('t', 'x'));
    runner.batches[0]!.fail(new InferenceError('unavailable', 'worker crashed twice'));
    expect(((await doomed) as InferenceError).code).toBe('unavailable');
    const next = batcher.submit('t', 'y');
    await vi.waitFor(() => expect(runner.batches).toHaveLength(2));
    runner.batches[1]!.finish();
    await expect(next).resolves.toBe('Y');
  });

  it('keeps one queue per task and serves the oldest head first', async () => {
    const { runner, batcher } = setup();
    void batcher.submit('fill-mask', 'running');
    void batcher.submit('sentiment', 's1');
    await vi.advanceTimersByTimeAsync(1);
    void batcher.submit('fill-mask', 'f1');
    void batcher.submit('sentiment', 's2');
    runner.batches[0]!.finish();
    await vi.waitFor(() => expect(runner.batches).toHaveLength(2));
    expect(runner.batches[1]).toMatchObject({ task: 'sentiment', items: ['s1', 's2'] });
    runner.batches[1]!.finish();
    await vi.waitFor(() => expect(runner.batches).toHaveLength(3));
    expect(runner.batches[2]).toMatchObject({ task: 'fill-mask', items: ['f1'] });
  });
});
