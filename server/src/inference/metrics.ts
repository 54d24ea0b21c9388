/** Prometheus metrics of the inference path (served at GET /metrics). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BatcherObserver } from './batcher.js';
import type { PoolObserver } from './pool.js';

/** Batch times: from a millisecond (a small CPU batch) to seconds (overload). */
const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function inferenceMetrics(registry: Registry): BatcherObserver & PoolObserver {
  const registers = [registry];
  const batchSize = new Histogram({
    name: 'inference_batch_size',
    help: 'Requests per dispatched batch',
    labelNames: ['task'],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers,
  });
  const queueWait = new Histogram({
    name: 'inference_queue_wait_seconds',
    help: 'Time a request waited in the queue before its batch was dispatched',
    labelNames: ['task'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const compute = new Histogram({
    name: 'inference_batch_seconds',
    help: 'Time from dispatch to results of a batch (including a retry)',
    labelNames: ['task'],
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const workerCompute = new Histogram({
    name: 'inference_worker_batch_seconds',
    help: 'Compute time of a batch on one worker',
    labelNames: ['worker', 'task'],
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const workerItems = new Counter({
    name: 'inference_worker_items_total',
    help: 'Requests computed per worker',
    labelNames: ['worker', 'task'],
    registers,
  });
  const depth = new Gauge({ name: 'inference_queue_depth', help: 'Requests waiting', labelNames: ['task'], registers });
  const requests = new Counter({ name: 'inference_requests_total', help: 'Requests submitted', labelNames: ['task'], registers });
  const rejects = new Counter({
    name: 'inference_rejects_total',
    help: 'Requests refused or failed by the batcher, by reason',
    labelNames: ['task', 'reason'],
    registers,
  });
  const workers = new Gauge({ name: 'inference_workers', help: 'Workers in the pool (local and remote)', registers });
  const lost = new Counter({ name: 'inference_workers_lost_total', help: 'Workers lost or removed', registers });

  return {
    batch: (task, size) => batchSize.observe({ task }, size),
    queueWait: (task, ms) => queueWait.observe({ task }, ms / 1000),
    compute: (task, ms) => compute.observe({ task }, ms / 1000),
    queueDepth: (task, n) => depth.set({ task }, n),
    request: (task) => requests.inc({ task }),
    reject: (task, reason) => rejects.inc({ task, reason }),
    workerBatch: (worker, task, size, ms) => {
      workerCompute.observe({ worker, task }, ms / 1000);
      workerItems.inc({ worker, task }, size);
    },
    workerLost: () => lost.inc(),
    workersChanged: (n) => workers.set(n),
  };
}
