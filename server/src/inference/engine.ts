/**
 * A worker's engine: both models loaded on one device, and a function that
 * runs one batch of one task. Used by worker threads and remote workers alike.
 */
import { InferenceError } from './errors.js';
import { loadModel, type LoadedModel } from './model.js';
import type { BatchRequest, ItemOutcome, WorkerSettings } from './protocol.js';
import { fillMaskBatch, sentimentBatch } from './tasks.js';

export interface Engine {
  run(request: BatchRequest): Promise<ItemOutcome[]>;
}

export async function createEngine(settings: WorkerSettings): Promise<Engine> {
  const sessionOptions = { device: settings.device, intraOpThreads: settings.intraOpThreads, variant: settings.variant };
  const [fillMask, sentiment]: [LoadedModel, LoadedModel] = await Promise.all([
    loadModel(settings.fillMaskDir, 'fill-mask', sessionOptions),
    loadModel(settings.sentimentDir, 'sentiment', sessionOptions),
  ]);
  return {
    async run({ task, items }) {
      const results =
        task === 'fill-mask'
          ? await fillMaskBatch(fillMask, items, settings.topK)
          : await sentimentBatch(sentiment, items, { neutralMargin: settings.neutralMargin });
      return results.map((r) => (r instanceof InferenceError ? { error: { code: r.code, message: r.message } } : { ok: r }));
    },
  };
}
