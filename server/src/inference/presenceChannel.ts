/**
 * Inference requests over Colyseus presence (pub/sub): world rooms, and the
 * HTTP API of a process without its own workers, reach the inference room
 * wherever it lives. With LocalPresence this is in-process; with
 * RedisPresence it crosses processes unchanged.
 */
import { randomUUID } from 'node:crypto';
import type { Presence } from '@colyseus/core';
import { InferenceError, type InferenceErrorCode } from './errors.js';
import type { SubmitOptions } from './batcher.js';
import type { TaskName } from './protocol.js';

export const REQUEST_CHANNEL = 'inference:requests';
const replyChannel = (clientId: string) => `inference:replies:${clientId}`;

interface WireRequest {
  kind: 'request' | 'cancel';
  id: string;
  replyTo: string;
  task?: TaskName;
  text?: string;
  deadline?: number;
}

type WireReply = { id: string; ok: unknown } | { id: string; error: { code: InferenceErrorCode; message: string } };

/** Anything that answers inference requests: the local service, or the channel to the inference room. */
export interface InferenceClient {
  submit(task: TaskName, text: string, opts?: SubmitOptions): Promise<unknown>;
}

/** The requesting side: one per process, shared by its rooms and HTTP API. */
export class PresenceInferenceClient implements InferenceClient {
  private readonly clientId = randomUUID();
  private readonly pending = new Map<string, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly onReply = (reply: WireReply) => {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if ('ok' in reply) p.resolve(reply.ok);
    else p.reject(new InferenceError(reply.error.code, reply.error.message));
  };

  private constructor(
    private readonly presence: Presence,
    private readonly defaultTimeoutMs: number,
  ) {}

  static async connect(presence: Presence, defaultTimeoutMs: number): Promise<PresenceInferenceClient> {
    const client = new PresenceInferenceClient(presence, defaultTimeoutMs);
    await presence.subscribe(replyChannel(client.clientId), client.onReply);
    return client;
  }

  submit(task: TaskName, text: string, opts: SubmitOptions = {}): Promise<unknown> {
    const id = randomUUID();
    const deadline = opts.deadline ?? Date.now() + this.defaultTimeoutMs;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.presence.publish(REQUEST_CHANNEL, { kind: 'cancel', id, replyTo: this.clientId } satisfies WireRequest);
      };
      // Settled requests stop listening, so a signal that aborts later sends no stray cancel.
      const settle = <T>(fn: (value: T) => void) => (value: T) => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        fn(value);
      };
      // The inference room answers every request (with a timeout error at the latest); this guards against none being there.
      const timer = setTimeout(() => {
        this.pending.delete(id);
        settle(reject)(new InferenceError('timeout', 'no answer from the inference room within the deadline'));
      }, Math.max(0, deadline - Date.now()) + 250);
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.presence.publish(REQUEST_CHANNEL, { kind: 'request', id, replyTo: this.clientId, task, text, deadline } satisfies WireRequest);
    });
  }

  async close(): Promise<void> {
    await this.presence.unsubscribe(replyChannel(this.clientId), this.onReply);
    for (const p of this.pending.values()) {
      p.reject(new InferenceError('unavailable', 'the inference client was closed'));
    }
    this.pending.clear();
  }
}

/** The answering side, run by the inference room: every request goes into the local batcher. */
export function serveInferenceRequests(presence: Presence, inference: InferenceClient): () => Promise<void> {
  const inFlight = new Map<string, AbortController>();
  /** Answers not yet published: stopping waits for them, so a room closing on SIGTERM still answers what it took. */
  const answering = new Set<Promise<void>>();
  const onRequest = (request: WireRequest) => {
    const key = `${request.replyTo}/${request.id}`;
    if (request.kind === 'cancel') {
      inFlight.get(key)?.abort();
      return;
    }
    const controller = new AbortController();
    inFlight.set(key, controller);
    const answer = (reply: WireReply) => {
      inFlight.delete(key);
      presence.publish(replyChannel(request.replyTo), reply);
    };
    const answered = inference.submit(request.task!, request.text!, { deadline: request.deadline, signal: controller.signal }).then(
      (ok) => answer({ id: request.id, ok }),
      (error: unknown) =>
        answer({
          id: request.id,
          error: error instanceof InferenceError ? { code: error.code, message: error.message } : { code: 'internal', message: String(error) },
        }),
    );
    answering.add(answered);
    void answered.finally(() => answering.delete(answered));
  };
  void presence.subscribe(REQUEST_CHANNEL, onRequest);
  return async () => {
    await presence.unsubscribe(REQUEST_CHANNEL, onRequest);
    // Each request has a deadline, so this ends.
    await Promise.allSettled([...answering]);
  };
}
