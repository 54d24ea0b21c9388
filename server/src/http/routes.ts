/** The plain HTTP API beside the game server. */
import { matchMaker } from '@colyseus/core';
import express, { type Application, type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { WORLDS, WORLD_IDS, type WorldSummary } from '../../../shared/src/index.js';
import { WORLD_ROOM, type WorldMetadata } from '../rooms/WorldRoom.js';

export interface Health {
  /** True once shutdown has begun: health checks fail so proxies stop routing here. */
  shuttingDown: boolean;
}

export async function worldSummaries(): Promise<WorldSummary[]> {
  const rooms = await matchMaker.query({ name: WORLD_ROOM });
  return WORLD_IDS.map((id) => {
    const instances = rooms.filter((r) => (r.metadata as WorldMetadata | undefined)?.worldId === id);
    return {
      id,
      name: WORLDS[id].name,
      description: WORLDS[id].description,
      players: instances.reduce((sum, r) => sum + r.clients, 0),
      instances: instances.length,
    };
  });
}

export interface HttpApiOptions {
  health: Health;
  /** Prometheus registry served at GET /metrics. */
  registry: Registry;
  /** Each part's routes (inference, moderation, static client…), mounted in this order before the 404 and error handlers. */
  routes: Array<(app: Application) => void>;
}

/** The one place that decides the order of HTTP middleware: body parsing, routes, then 404 and errors. */
export function mountHttpApi(app: Application, { health, registry, routes }: HttpApiOptions): void {
  const startedAt = Date.now();
  app.use(express.json({ limit: '64kb' }));

  app.get('/healthz', (_req, res) => {
    if (health.shuttingDown) {
      res.status(503).json({ status: 'shutting_down' });
      return;
    }
    res.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
  });

  app.get('/api/worlds', async (_req, res, next) => {
    try {
      res.json({ worlds: await worldSummaries() });
    } catch (error) {
      next(error);
    }
  });

  app.get('/metrics', async (_req, res, next) => {
    try {
      res.set('Content-Type', registry.contentType).send(await registry.metrics());
    } catch (error) {
      next(error);
    }
  });

  for (const mount of routes) mount(app);

  app.use('/api', (req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route ${req.method} ${req.originalUrl}` });
  });

  // Errors are JSON with a reason; bodies that are not JSON get a 400, not a stack trace.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : 500;
    if (status >= 500) console.error('[http] request failed:', error);
    res.status(status).json({
      error: status >= 500 ? 'internal_error' : 'bad_request',
      message: status >= 500 ? 'the server could not handle this request' : (error as Error).message,
    });
  });
}
