/**
 * The inference service of one process: local worker threads, the pool
 * (which remote workers join too), the batcher in front of it, and metrics.
 * World rooms (through the inference room) and the HTTP API both use it.
 */
import type { Registry } from 'prom-client';
import type { FillMaskResult, SentimentResult } from '../../../shared/src/index.js';
import type { InferenceConfig } from '../config.js';
import { DynamicBatcher, type SubmitOptions } from './batcher.js';
import { inferenceMetrics } from './metrics.js';
import { ThreadWorker, WorkerPool } from './pool.js';
import type { TaskName, WorkerSettings } from './protocol.js';

export function workerSettings(cfg: InferenceConfig, device: string): WorkerSettings {
  return {
    fillMaskDir: cfg.fillMaskModel,
    sentimentDir: cfg.sentimentModel,
    device,
    intraOpThreads: cfg.intraOpThreads,
    variant: cfg.variant,
    topK: cfg.topK,
    neutralMargin: cfg.neutralMargin,
  };
}

export class InferenceService {
  readonly pool: WorkerPool;
  readonly batcher: DynamicBatcher<string, unknown>;
  private stopping = false;
  private threadCount = 0;

  private constructor(readonly config: InferenceConfig, registry: Registry | undefined) {
    const observer = registry ? inferenceMetrics(registry) : undefined;
    this.pool = new WorkerPool(observer);
    this.batcher = new DynamicBatcher(this.pool, { ...config, defaultTimeoutMs: config.timeoutMs }, observer);
  }

  /** Start the local workers; fails with the reason when a model folder is missing or malformed. */
  static async start(config: InferenceConfig, registry?: Registry): Promise<InferenceService> {
    const service = new InferenceService(config, registry);
    const starts = config.devices.flatMap((device) => Array.from({ length: config.workersPerDevice }, () => service.startThread(device)));
    try {
      await Promise.all(starts);
    } catch (error) {
      await service.stop();
      throw error;
    }
    return service;
  }

  fillMask(text: string, opts?: SubmitOptions): Promise<FillMaskResult> {
    return this.submit('fill-mask', text, opts) as Promise<FillMaskResult>;
  }

  sentiment(text: string, opts?: SubmitOptions): Promise<SentimentResult> {
    return this.submit('sentiment', text, opts) as Promise<SentimentResult>;
  }

  submit(task: TaskName, text: string, opts?: SubmitOptions): Promise<unknown> {
    return this.batcher.submit(task, text, opts);
  }

  /** Let queued and running batches finish (bounded), then stop the local threads. */
  async stop(drainMs = 10_000): Promise<void> {
    const deadline = Date.now() + drainMs;
    while (Date.now() < deadline && (this.batcher.queued > 0 || this.pool.busy > 0)) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.stopping = true;
    await Promise.all(
      this.pool.workers().flatMap((w) => {
        this.pool.remove(w.id);
        return w instanceof ThreadWorker ? [w.stop()] : [];
      }),
    );
  }

  private async startThread(device: string): Promise<void> {
    const id = `thread-${this.threadCount++}`;
    const worker = await ThreadWorker.start(id, workerSettings(this.config, device), (lost) => {
      // A crashed thread is replaced by a fresh one on the same device.
      this.pool.remove(lost.id);
      if (!this.stopping) {
        this.startThread(device).catch((error: unknown) => console.error(`[inference] could not replace ${lost.label}:`, error));
      }
    });
    if (this.stopping) await worker.stop();
    else this.pool.add(worker);
  }
}
