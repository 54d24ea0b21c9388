/** Messages between the pool and a worker (a thread here, or a remote process). */
import type { InferenceErrorCode } from './errors.js';

export type TaskName = 'fill-mask' | 'sentiment';
export const TASKS: readonly TaskName[] = ['fill-mask', 'sentiment'];

export interface BatchRequest {
  id: number;
  task: TaskName;
  items: string[];
}

export type ItemOutcome = { ok: unknown } | { error: { code: InferenceErrorCode; message: string } };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; outcomes: ItemOutcome[] }
  | { type: 'batch-error'; id: number; message: string };

/** What a worker needs to load its models. */
export interface WorkerSettings {
  fillMaskDir: string;
  sentimentDir: string;
  device: string;
  intraOpThreads: number;
  variant: 'quantized' | 'full';
  topK: number;
  neutralMargin: number;
}
