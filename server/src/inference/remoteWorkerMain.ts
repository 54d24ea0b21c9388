/**
 * `npm run worker -- --server ws://HOST:PORT --token T [--device cuda:0] [--threads 4] [--capacity 1] [--name gpu-box]`
 *
 * A remote inference worker: loads the models on its device, joins the
 * inference room as an authenticated worker, and runs the batches it is
 * sent. Adding a GPU machine adds capacity with no other change.
 */
import { parseArgs } from 'node:util';
import { Client } from '@colyseus/sdk';
import { loadConfig } from '../config.js';
import { INFERENCE_ROOM, RemoteWorkerMessage } from '../rooms/InferenceRoom.js';
import { createEngine } from './engine.js';
import type { BatchRequest, WorkerReply } from './protocol.js';
import { workerSettings } from './service.js';

const usage =
  'usage: npm run worker -- --server ws://HOST:PORT --token TOKEN [--device cpu|cuda:K] [--threads N] [--capacity N] [--name NAME] [--delay-ms N]';

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    token: { type: 'string', default: process.env.WORKER_TOKEN },
    device: { type: 'string', default: 'cpu' },
    threads: { type: 'string' },
    capacity: { type: 'string', default: '1' },
    name: { type: 'string', default: `worker-${process.pid}` },
    // For failure drills: hold each batch this long before running it.
    'delay-ms': { type: 'string', default: '0' },
  },
});
if (!values.server) fail('--server is required');
if (!values.token) fail('--token is required (or set WORKER_TOKEN)');
const capacity = Number(values.capacity);
if (!Number.isInteger(capacity) || capacity < 1) fail('--capacity must be a positive integer');

// Model folders, variant, top-k and threads come from the same environment variables as the server's.
const config = loadConfig({ ...process.env, ...(values.threads ? { INFERENCE_THREADS: values.threads } : {}) });
const engine = await createEngine(workerSettings(config.inference, values.device));
const room = await new Client(values.server.replace(/^ws/, 'http')).join(INFERENCE_ROOM, {
  token: values.token,
  device: values.device,
  capacity,
  name: values.name,
});
console.log(`[worker ${values.name}] joined ${values.server} on ${values.device}, capacity ${capacity}`);

const delayMs = Number(values['delay-ms']);
room.onMessage(RemoteWorkerMessage.Batch, (request: BatchRequest) => {
  const held = delayMs > 0 ? new Promise((r) => setTimeout(r, delayMs)) : Promise.resolve();
  held.then(() => engine.run(request)).then(
    (outcomes) => room.send(RemoteWorkerMessage.Reply, { type: 'result', id: request.id, outcomes } satisfies WorkerReply),
    (error: unknown) =>
      room.send(RemoteWorkerMessage.Reply, {
        type: 'batch-error',
        id: request.id,
        message: error instanceof Error ? error.message : String(error),
      } satisfies WorkerReply),
  );
});
room.onLeave((code) => {
  console.log(`[worker ${values.name}] left the inference room (code ${code})`);
  process.exit(0);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void room.leave());
