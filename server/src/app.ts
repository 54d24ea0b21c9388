/** Builds and starts the game server (rooms, inference, HTTP API) from a validated Config. */
import { createServer as createHttpServer } from 'node:http';
import { matchMaker, Server } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import type { Application } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { tagComment } from './chat/ChatPipeline.js';
import { openCluster } from './cluster/index.js';
import type { Config } from './config.js';
import { mountInferenceApi } from './http/inferenceApi.js';
import { mountHttpApi, type Health } from './http/routes.js';
import { mountClient } from './http/static.js';
import { PresenceInferenceClient } from './inference/presenceChannel.js';
import { InferenceService } from './inference/service.js';
import { SOCKET_IO_PATH, type Moderation } from './moderation/index.js';
import { INFERENCE_ROOM, inferenceRoomFor } from './rooms/InferenceRoom.js';
import { WORLD_ROOM, WorldRoom } from './rooms/WorldRoom.js';

export interface GameServerOptions {
  /** Install SIGTERM/SIGINT handlers that shut down gracefully (off in tests). */
  handleSignals?: boolean;
  /** Persistence and moderation (opened by `openModeration`); closed with the server. Without it comments are not stored. */
  moderation?: Moderation;
}

export interface GameServer {
  server: Server;
  inference: InferenceService;
  registry: Registry;
  moderation: Moderation | undefined;
  /** Graceful shutdown without exiting the process. */
  stop(): Promise<void>;
}

export async function startGameServer(config: Config, options: GameServerOptions = {}): Promise<GameServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Redis (REDIS_URL) or this process alone; fails here when Redis cannot be reached.
  const cluster = await openCluster(config.cluster);
  // Fails here, before listening, when a model folder is missing or malformed.
  const inference = await InferenceService.start(config.inference, registry);

  const health: Health = { shuttingDown: false };
  const { moderation } = options;
  // One HTTP server for the game's WebSocket transport and the moderators' socket.io feed; each takes only its own upgrades.
  const httpServer = createHttpServer();
  const transport = new WebSocketTransport({ noServer: true }).attachToServer(httpServer, {
    filter: (req) => !(req.url ?? '').startsWith(`${SOCKET_IO_PATH}/`),
  });
  const server = new Server({
    transport,
    ...cluster.serverOptions,
    greet: false,
    gracefullyShutdown: options.handleSignals ?? false,
    express: (app) =>
      mountHttpApi(app, {
        health,
        registry,
        routes: [
          (api) => mountInferenceApi(api, inference),
          ...(moderation ? [(api: Application) => void api.use('/api/moderation', moderation.router)] : []),
          (api) => mountClient(api),
        ],
      }),
  });
  // Room settings come from the server's config; they override anything a client passes at join.
  server.define(WORLD_ROOM, WorldRoom, { ...config.world, tagTimeoutMs: config.inference.timeoutMs }).filterBy(['worldId']);
  server.define(INFERENCE_ROOM, inferenceRoomFor(inference, config.inference.workerToken));
  server.onBeforeShutdown(async () => {
    health.shuttingDown = true;
    // Another process takes the inference room over now; ours finishes what it has in flight.
    await cluster.stop();
  });
  let backfillInference: PresenceInferenceClient | undefined;
  // Colyseus keeps one shutdown callback. Rooms are gone by now; let batches in flight finish, then stop the worker threads.
  server.onShutdown(async () => {
    await inference.stop();
    await backfillInference?.close();
    await moderation?.close();
    // The transport shares this server rather than owning it, so closing it is ours to do.
    httpServer.closeAllConnections();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  });

  await server.listen(config.port, config.host);
  // One inference room in the whole cluster, on whichever process takes it first (here, when alone).
  await cluster.keepOne(INFERENCE_ROOM);
  if (moderation) {
    // After listen: the feed subscribes to this server's presence, which exists from then on.
    moderation.attachFeed(httpServer);
    // Tags comments left untagged (inference down, or a restart between storing and tagging).
    const client = await PresenceInferenceClient.connect(matchMaker.presence, config.inference.timeoutMs);
    backfillInference = client;
    moderation.startBackfill((text) => tagComment(client, '', text, Date.now() + config.inference.timeoutMs), config.inference.timeoutMs + 1000);
  }
  return { server, inference, registry, moderation, stop: () => server.gracefullyShutdown(false) };
}
