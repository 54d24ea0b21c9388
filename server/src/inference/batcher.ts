/**
 * The dynamic batcher: turns single requests into model batches, one queue
 * per task, in the manner of an inference server and better than a fixed wait:
 *
 * - continuous batching: a free worker takes what is queued at once (up to
 *   maxBatchSize); requests queue only while every worker is busy;
 * - `maxWaitMs` (default 0) lets a free worker hold a partial batch that long
 *   for it to fill, for devices where a bigger batch costs almost nothing;
 * - a bounded queue: past `maxQueue` a request fails at once with
 *   OverloadedError, so memory stays bounded under any load;
 * - a deadline per request, and an AbortSignal for callers that went away;
 *   either removes the request from the queue;
 * - each caller gets its own result or its own error.
 */
import { InferenceError } from './errors.js';

export interface BatchRunner<I, O> {
  /** Batches that can start now (one per idle worker slot). */
  freeSlots(): number;
  /** Run one batch of one task; one result or Error per item, in order. */
  run(task: string, items: I[]): Promise<Array<O | Error>>;
  /** Called whenever a slot frees up or capacity is added. */
  onCapacity(listener: () => void): void;
}

export interface BatcherOptions {
  maxBatchSize: number;
  maxWaitMs: number;
  maxQueue: number;
  /** Deadline for requests that give none. */
  defaultTimeoutMs: number;
}

export interface SubmitOptions {
  /** Absolute deadline, epoch ms; defaults to now + defaultTimeoutMs. */
  deadline?: number;
  signal?: AbortSignal;
}

export interface BatcherObserver {
  batch(task: string, size: number): void;
  queueWait(task: string, ms: number): void;
  compute(task: string, ms: number): void;
  queueDepth(task: string, depth: number): void;
  request(task: string): void;
  reject(task: string, reason: InferenceError['code']): void;
}

interface Pending<I, O> {
  input: I;
  enqueuedAt: number;
  resolve(value: O): void;
  reject(error: Error): void;
  settled: boolean;
  cleanup(): void;
}

export class DynamicBatcher<I, O> {
  private readonly queues = new Map<string, Array<Pending<I, O>>>();
  private fillTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runner: BatchRunner<I, O>,
    private readonly options: BatcherOptions,
    private readonly observer?: BatcherObserver,
  ) {
    runner.onCapacity(() => this.pump());
  }

  /** Requests waiting, over all tasks. */
  get queued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  submit(task: string, input: I, opts: SubmitOptions = {}): Promise<O> {
    this.observer?.request(task);
    if (opts.signal?.aborted) return Promise.reject(this.rejection(task, 'cancelled', 'the caller went away'));
    if (this.queued >= this.options.maxQueue) {
      return Promise.reject(this.rejection(task, 'overloaded', `inference queue is full (${this.options.maxQueue} waiting); retry shortly`));
    }
    const now = Date.now();
    const deadline = opts.deadline ?? now + this.options.defaultTimeoutMs;
    if (deadline <= now) return Promise.reject(this.rejection(task, 'timeout', 'the deadline passed before the request was queued'));

    return new Promise<O>((resolve, reject) => {
      const queue = this.queue(task);
      const onAbort = () => {
        this.remove(task, pending);
        settle(() => reject(this.rejection(task, 'cancelled', 'the caller went away')));
      };
      const timer = setTimeout(() => {
        this.remove(task, pending);
        settle(() => reject(this.rejection(task, 'timeout', `no result within the deadline (${deadline - now} ms)`)));
      }, deadline - now);
      const pending: Pending<I, O> = {
        input,
        enqueuedAt: now,
        settled: false,
        resolve: (value) => settle(() => resolve(value)),
        reject: (error) => settle(() => reject(error)),
        cleanup: () => {
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
        },
      };
      const settle = (fn: () => void) => {
        if (pending.settled) return;
        pending.settled = true;
        pending.cleanup();
        fn();
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(pending);
      this.observer?.queueDepth(task, queue.length);
      this.pump();
    });
  }

  /** Dispatch while there is work and a free slot. */
  private pump(): void {
    while (this.runner.freeSlots() > 0) {
      const task = this.oldestTask();
      if (task === undefined) return;
      const queue = this.queue(task);
      if (queue.length < this.options.maxBatchSize && this.options.maxWaitMs > 0) {
        const waited = Date.now() - queue[0]!.enqueuedAt;
        if (waited < this.options.maxWaitMs) {
          this.armFillTimer(this.options.maxWaitMs - waited);
          return;
        }
      }
      this.dispatch(task, queue.splice(0, this.options.maxBatchSize));
      this.observer?.queueDepth(task, queue.length);
    }
  }

  private dispatch(task: string, batch: Array<Pending<I, O>>): void {
    const started = Date.now();
    for (const p of batch) this.observer?.queueWait(task, started - p.enqueuedAt);
    this.observer?.batch(task, batch.length);
    this.runner.run(task, batch.map((p) => p.input)).then(
      (results) => {
        this.observer?.compute(task, Date.now() - started);
        batch.forEach((p, i) => {
          const result = results[i];
          if (result instanceof Error) p.reject(result);
          else if (result === undefined) p.reject(new InferenceError('internal', 'the worker returned too few results'));
          else p.resolve(result);
        });
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const p of batch) p.reject(failure);
      },
    );
  }

  /** The task whose first request has waited longest: no task starves another. */
  private oldestTask(): string | undefined {
    let best: string | undefined;
    let bestAt = Infinity;
    for (const [task, queue] of this.queues) {
      const head = queue[0];
      if (head && head.enqueuedAt < bestAt) {
        best = task;
        bestAt = head.enqueuedAt;
      }
    }
    return best;
  }

  private armFillTimer(ms: number): void {
    if (this.fillTimer) return;
    this.fillTimer = setTimeout(() => {
      this.fillTimer = undefined;
      this.pump();
    }, ms);
  }

  private queue(task: string): Array<Pending<I, O>> {
    let queue = this.queues.get(task);
    if (!queue) {
      queue = [];
      this.queues.set(task, queue);
    }
    return queue;
  }

  private remove(task: string, pending: Pending<I, O>): void {
    const queue = this.queue(task);
    const i = queue.indexOf(pending);
    if (i >= 0) {
      queue.splice(i, 1);
      this.observer?.queueDepth(task, queue.length);
    }
  }

  private rejection(task: string, code: InferenceError['code'], message: string): InferenceError {
    this.observer?.reject(task, code);
    return new InferenceError(code, message);
  }
}
