/** Entry point of an inference worker thread: its own onnxruntime sessions, one batch at a time. */
import { parentPort, workerData } from 'node:worker_threads';
import { createEngine } from './engine.js';
import type { BatchRequest, WorkerReply, WorkerSettings } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('worker.ts must run as a worker thread');
const reply = (message: WorkerReply) => port.postMessage(message);

try {
  const engine = await createEngine(workerData as WorkerSettings);
  port.on('message', (request: BatchRequest) => {
    engine.run(request).then(
      (outcomes) => reply({ type: 'result', id: request.id, outcomes }),
      (error: unknown) => reply({ type: 'batch-error', id: request.id, message: error instanceof Error ? error.message : String(error) }),
    );
  });
  reply({ type: 'ready' });
} catch (error) {
  reply({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
}
