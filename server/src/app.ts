/** Builds the game server (rooms + HTTP API) from a validated Config. */
import { Server } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import type { Config } from './config.js';
import { mountHttpApi, type Health } from './http/routes.js';
import { WORLD_ROOM, WorldRoom } from './rooms/WorldRoom.js';

export interface GameServerOptions {
  /** Install SIGTERM/SIGINT handlers that shut down gracefully (off in tests). */
  handleSignals?: boolean;
}

export function createGameServer(config: Config, options: GameServerOptions = {}): Server {
  const health: Health = { shuttingDown: false };
  const server = new Server({
    transport: new WebSocketTransport(),
    greet: false,
    gracefullyShutdown: options.handleSignals ?? false,
    express: (app) => mountHttpApi(app, health),
  });
  // Room settings come from the server's config; they override anything a client passes at join.
  server.define(WORLD_ROOM, WorldRoom, { ...config.world }).filterBy(['worldId']);
  server.onBeforeShutdown(() => {
    health.shuttingDown = true;
  });
  return server;
}
