/**
 * Persistence and moderation for one server process: opens the database
 * (applying migrations), and builds the moderation service, moderator auth,
 * the HTTP API router, the socket.io feed and the backfill from it.
 */
import type { Server as HttpServer } from 'node:http';
import type { Router } from 'express';
import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/open.js';
import { moderationRouter } from './api.js';
import { ModeratorAuth } from './auth.js';
import { Backfill, type TagText } from './backfill.js';
import { presenceBus } from './bus.js';
import { attachFeed, SOCKET_IO_PATH, type Feed } from './feed.js';
import { ModerationService } from './service.js';

export { SOCKET_IO_PATH };

export interface Moderation {
  db: Database;
  service: ModerationService;
  auth: ModeratorAuth;
  router: Router;
  tagDeadlineMs: number;
  /** Attach the socket.io feed to the server's HTTP server. */
  attachFeed(httpServer: HttpServer): Feed;
  /** Start tagging comments that stayed untagged. */
  startBackfill(tagText: TagText, graceMs: number): Backfill;
  close(): Promise<void>;
}

/** The process's moderation, for code that has no other way to reach it (a room's static onAuth). */
let active: Moderation | undefined;
export function activeModeration(): Moderation | undefined {
  return active;
}

export async function openModeration(config: Config): Promise<Moderation> {
  const db = await openDatabase({ databaseUrl: config.database.url, dataDir: config.database.dataDir });
  if (db.migrated.length > 0) console.log(`[db] applied migrations: ${db.migrated.join(', ')}`);
  const m = config.moderation;
  const service = new ModerationService(db.prisma, m.automod, presenceBus());
  const auth = new ModeratorAuth(db.prisma, m);
  let feed: Feed | undefined;
  let backfill: Backfill | undefined;
  const moderation: Moderation = {
    db,
    service,
    auth,
    router: moderationRouter(service, auth),
    tagDeadlineMs: m.tagDeadlineMs,
    attachFeed: (httpServer) => (feed = attachFeed(httpServer, service, auth)),
    startBackfill: (tagText, graceMs) => {
      backfill = new Backfill(service, tagText, { intervalMs: m.backfillIntervalMs, graceMs });
      backfill.start();
      return backfill;
    },
    close: async () => {
      await backfill?.stop();
      await feed?.close();
      await db.close();
      if (active === moderation) active = undefined;
    },
  };
  active = moderation;
  return moderation;
}
