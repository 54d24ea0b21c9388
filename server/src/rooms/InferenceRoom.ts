/**
 * The inference room: one per cluster, where batches form. It answers the
 * inference requests world rooms publish over presence, and it is where
 * remote workers (e.g. GPU machines running `npm run worker`) join as
 * authenticated clients, adding their capacity to the pool.
 */
import { timingSafeEqual } from 'node:crypto';
import { Room, ServerError, type Client } from '@colyseus/core';
import { z } from 'zod';
import { describeIssues } from '../../../shared/src/index.js';
import { InferenceError } from '../inference/errors.js';
import { WorkerLostError, type BatchWorker } from '../inference/pool.js';
import { serveInferenceRequests } from '../inference/presenceChannel.js';
import type { BatchRequest, ItemOutcome, WorkerReply } from '../inference/protocol.js';
import type { InferenceService } from '../inference/service.js';

export const INFERENCE_ROOM = 'inference';

export const RemoteWorkerMessage = { Batch: 'batch', Reply: 'reply' } as const;

const workerJoinOptions = z.object({
  token: z.string().min(1, 'a worker token is required'),
  device: z.string().regex(/^(cpu|cuda:\d+)$/, 'device must be cpu or cuda:K'),
  capacity: z.number().int().min(1).max(64).default(1),
  name: z.string().min(1).max(64).default('remote'),
});
type WorkerJoinOptions = z.infer<typeof workerJoinOptions>;

/** A process that joined the room as a worker; its batches travel as room messages. */
class RemoteWorker implements BatchWorker {
  private readonly pending = new Map<number, { resolve(o: ItemOutcome[]): void; reject(e: Error): void }>();

  constructor(
    private readonly client: Client,
    readonly label: string,
    readonly capacity: number,
  ) {}

  get id(): string {
    return `remote-${this.client.sessionId}`;
  }

  run(request: BatchRequest): Promise<ItemOutcome[]> {
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.client.send(RemoteWorkerMessage.Batch, request);
    });
  }

  receive(reply: WorkerReply): void {
    if (reply.type !== 'result' && reply.type !== 'batch-error') return;
    const p = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (reply.type === 'result') p?.resolve(reply.outcomes);
    else p?.reject(new InferenceError('internal', reply.message));
  }

  lose(why: string): void {
    for (const p of this.pending.values()) p.reject(new WorkerLostError(this.label, why));
    this.pending.clear();
  }
}

function tokensMatch(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The room class bound to this process's inference service and worker token. */
export function inferenceRoomFor(service: InferenceService, workerToken: string | undefined) {
  return class InferenceRoom extends Room {
    private readonly workers = new Map<string, RemoteWorker>();
    private stopServing: (() => Promise<void>) | undefined;

    static async onAuth(_token: string, options: unknown): Promise<WorkerJoinOptions> {
      const parsed = workerJoinOptions.safeParse(options);
      if (!parsed.success) throw new ServerError(400, describeIssues(parsed.error));
      if (!workerToken) throw new ServerError(403, 'remote workers are not enabled on this server (WORKER_TOKEN is unset)');
      if (!tokensMatch(parsed.data.token, workerToken)) throw new ServerError(403, 'invalid worker token');
      return parsed.data;
    }

    onCreate(): void {
      this.autoDispose = false;
      this.stopServing = serveInferenceRequests(this.presence, service);
      this.onMessage(RemoteWorkerMessage.Reply, (client, reply: WorkerReply) => this.workers.get(client.sessionId)?.receive(reply));
    }

    onJoin(client: Client, _options: unknown, auth: WorkerJoinOptions): void {
      const worker = new RemoteWorker(client, `${auth.name} ${auth.device}`, auth.capacity);
      this.workers.set(client.sessionId, worker);
      service.pool.add(worker);
    }

    onLeave(client: Client): void {
      const worker = this.workers.get(client.sessionId);
      if (!worker) return;
      this.workers.delete(client.sessionId);
      service.pool.remove(worker.id);
      worker.lose('it disconnected'); // its batches in flight are retried on another worker
    }

    async onDispose(): Promise<void> {
      await this.stopServing?.();
    }
  };
}
