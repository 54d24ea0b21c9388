/**
 * The worker pool: local worker threads (each with its own onnxruntime
 * sessions on one device) and remote workers (processes that joined the
 * inference room) behind one BatchRunner. A worker lost mid-batch is
 * replaced (threads) or forgotten (remote); its batch is retried once on
 * another worker, then failed with a clear error.
 */
import { Worker } from 'node:worker_threads';
import type { BatchRunner } from './batcher.js';
import { InferenceError } from './errors.js';
import type { BatchRequest, ItemOutcome, TaskName, WorkerReply, WorkerSettings } from './protocol.js';

/** Anything that runs batches: a thread here or a process elsewhere. */
export interface BatchWorker {
  readonly id: string;
  /** e.g. "thread-0 cpu" or "remote gpu-box cuda:0"; used in metrics. */
  readonly label: string;
  /** Batches it runs at once. */
  readonly capacity: number;
  /** Rejects with WorkerLostError when the worker dies before answering. */
  run(request: BatchRequest): Promise<ItemOutcome[]>;
}

export class WorkerLostError extends Error {
  constructor(label: string, why: string) {
    super(`worker ${label} was lost: ${why}`);
    this.name = 'WorkerLostError';
  }
}

/** A worker thread running worker.ts. */
export class ThreadWorker implements BatchWorker {
  readonly capacity = 1;
  private readonly pending = new Map<number, { resolve(o: ItemOutcome[]): void; reject(e: Error): void }>();
  private lost: string | undefined;

  private constructor(
    readonly id: string,
    readonly label: string,
    readonly thread: Worker,
    onLost: (worker: ThreadWorker) => void,
  ) {
    thread.on('message', (reply: WorkerReply) => {
      if (reply.type !== 'result' && reply.type !== 'batch-error') return;
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.type === 'result') p?.resolve(reply.outcomes);
      else p?.reject(new InferenceError('internal', reply.message));
    });
    const lose = (why: string) => {
      if (this.lost) return;
      this.lost = why;
      for (const p of this.pending.values()) p.reject(new WorkerLostError(label, why));
      this.pending.clear();
      onLost(this);
    };
    thread.on('error', (error) => lose(error.message));
    thread.on('exit', (code) => lose(`exited with code ${code}`));
  }

  /** Start a thread and wait until its models are loaded; a bad model folder fails here, with its reason. */
  static async start(id: string, settings: WorkerSettings, onLost: (worker: ThreadWorker) => void): Promise<ThreadWorker> {
    // From source (tests, `npm run dev`) the worker is TypeScript and needs tsx; built, it is plain JS.
    const fromSource = import.meta.url.endsWith('.ts');
    const thread = new Worker(new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url), {
      workerData: settings,
      execArgv: fromSource ? ['--import', 'tsx'] : [],
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (reply: WorkerReply) => {
        if (reply.type === 'ready') done(resolve);
        if (reply.type === 'failed') done(() => reject(new Error(reply.message)));
      };
      const onExit = (code: number) => done(() => reject(new Error(`inference worker exited with code ${code} while starting`)));
      const done = (fn: () => void) => {
        thread.off('message', onMessage);
        thread.off('exit', onExit);
        fn();
      };
      thread.on('message', onMessage);
      thread.on('exit', onExit);
    });
    return new ThreadWorker(id, `${id} ${settings.device}`, thread, onLost);
  }

  run(request: BatchRequest): Promise<ItemOutcome[]> {
    if (this.lost) return Promise.reject(new WorkerLostError(this.label, this.lost));
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.thread.postMessage(request);
    });
  }

  async stop(): Promise<void> {
    this.lost = 'stopped';
    await this.thread.terminate();
  }
}

export interface PoolObserver {
  workerBatch(worker: string, task: TaskName, size: number, ms: number): void;
  workerLost(worker: string): void;
  workersChanged(count: number): void;
}

interface Slot {
  worker: BatchWorker;
  busy: number;
}

export class WorkerPool implements BatchRunner<string, unknown> {
  private readonly slots = new Map<string, Slot>();
  private readonly listeners: Array<() => void> = [];
  private readonly waiters: Array<() => void> = [];
  private nextBatchId = 1;

  constructor(private readonly observer?: PoolObserver) {}

  get size(): number {
    return this.slots.size;
  }

  workers(): BatchWorker[] {
    return [...this.slots.values()].map((s) => s.worker);
  }

  add(worker: BatchWorker): void {
    this.slots.set(worker.id, { worker, busy: 0 });
    this.observer?.workersChanged(this.slots.size);
    this.notify();
  }

  /** Forget a worker (it left or died); its batches in flight fail over by themselves. */
  remove(workerId: string): void {
    if (this.slots.delete(workerId)) {
      this.observer?.workerLost(workerId);
      this.observer?.workersChanged(this.slots.size);
    }
  }

  /** Batches running now. */
  get busy(): number {
    let busy = 0;
    for (const s of this.slots.values()) busy += s.busy;
    return busy;
  }

  freeSlots(): number {
    let free = 0;
    for (const s of this.slots.values()) free += s.worker.capacity - s.busy;
    return free;
  }

  onCapacity(listener: () => void): void {
    this.listeners.push(listener);
  }

  async run(task: string, items: string[]): Promise<Array<unknown | Error>> {
    const request: BatchRequest = { id: this.nextBatchId++, task: task as TaskName, items };
    let lastError: Error | undefined;
    const tried = new Set<string>();
    for (let attempt = 0; attempt < 2; attempt++) {
      const slot = await this.acquire(tried);
      if (!slot) break;
      tried.add(slot.worker.id);
      const started = Date.now();
      try {
        const outcomes = await slot.worker.run(request);
        this.observer?.workerBatch(slot.worker.label, request.task, items.length, Date.now() - started);
        return outcomes.map((o) => ('ok' in o ? o.ok : new InferenceError(o.error.code, o.error.message)));
      } catch (error) {
        lastError = error instanceof Error ? error : new Error(String(error));
        if (!(error instanceof WorkerLostError)) break; // the model failed on this batch: retrying elsewhere would fail too
      } finally {
        this.release(slot);
      }
    }
    throw new InferenceError('unavailable', `inference failed after a retry: ${lastError?.message ?? 'no worker available'}`);
  }

  /** How long a retry waits for another worker (e.g. a replacement thread loading its models). */
  private static readonly RETRY_WAIT_MS = 30_000;

  /** A free slot on a worker not tried yet for this batch, most free capacity first; waits a while for one. */
  private async acquire(tried: Set<string>): Promise<Slot | undefined> {
    const deadline = Date.now() + WorkerPool.RETRY_WAIT_MS;
    for (;;) {
      let best: Slot | undefined;
      for (const s of this.slots.values()) {
        if (tried.has(s.worker.id) || s.busy >= s.worker.capacity) continue;
        if (!best || s.worker.capacity - s.busy > best.worker.capacity - best.busy) best = s;
      }
      if (best) {
        best.busy++;
        return best;
      }
      if (Date.now() > deadline) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private release(slot: Slot): void {
    slot.busy--;
    this.notify();
  }

  /** Capacity changed: wake retries waiting for a worker, then the batcher. */
  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
    for (const listener of this.listeners) listener();
  }
}
