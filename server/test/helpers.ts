/**
 * Test harness: a real game server on a free loopback port, real SDK clients
 * over real WebSockets, and waits that poll instead of sleeping blindly.
 */
import { createServer } from 'node:net';
import type { Server } from '@colyseus/core';
import type { InferenceService } from '../src/inference/service.js';
import { Client, type Room } from '@colyseus/sdk';
import { startGameServer } from '../src/app.js';
import { openModeration, type Moderation } from '../src/moderation/index.js';
import { loadConfig, type Config } from '../src/config.js';
import { ServerMessage, WorldState, type JoinOptions } from '../../shared/src/index.js';
import { WORLD_ROOM } from '../src/rooms/WorldRoom.js';

export type WorldRoomClient = Room<unknown, WorldState>;

export interface TestServer {
  server: Server;
  inference: InferenceService;
  /** Present when started with `{ moderation: true }` (DATABASE_URL or DATA_DIR from env). */
  moderation: Moderation | undefined;
  config: Config;
  endpoint: string;
  client(): Client;
  join(options: JoinOptions): Promise<WorldRoomClient>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Start a server with the given environment overrides: faster interest updates,
 * and no inference workers unless the test asks for them (INFERENCE_WORKERS).
 */
export async function startTestServer(env: Record<string, string> = {}, options: { moderation?: boolean } = {}): Promise<TestServer> {
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    INTEREST_UPDATE_MS: '50',
    SHUTDOWN_GRACE_MS: '100',
    INFERENCE_WORKERS: '0',
    INFERENCE_THREADS: '1',
    // Tests use the shipped models unless pointed at others (e.g. a fresh training run).
    ...(process.env.FILL_MASK_MODEL ? { FILL_MASK_MODEL: process.env.FILL_MASK_MODEL } : {}),
    ...(process.env.SENTIMENT_MODEL ? { SENTIMENT_MODEL: process.env.SENTIMENT_MODEL } : {}),
    ...env,
  });
  const moderation = options.moderation ? await openModeration(config) : undefined;
  const { server, inference } = await startGameServer(config, { moderation });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    server,
    inference,
    moderation,
    config,
    endpoint,
    client: () => new Client(endpoint),
    join: (options) => new Client(endpoint).joinOrCreate(WORLD_ROOM, options, WorldState),
    stop: () => server.gracefullyShutdown(false),
  };
}

/** Poll `check` until it returns a truthy value; fail with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Records every server message a room receives, so tests can wait for one registered before it arrives. */
export class Inbox {
  readonly messages: Array<{ type: string; payload: unknown }> = [];

  constructor(room: WorldRoomClient) {
    for (const type of Object.values(ServerMessage)) {
      room.onMessage(type, (payload: unknown) => this.messages.push({ type, payload }));
    }
  }

  all<T>(type: string): T[] {
    return this.messages.filter((m) => m.type === type).map((m) => m.payload as T);
  }

  async next<T>(type: string, predicate: (payload: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
    return waitFor(`a "${type}" message`, () => this.all<T>(type).find(predicate), timeoutMs);
  }
}
