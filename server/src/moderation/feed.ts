/**
 * The moderators' live feed: socket.io namespace `/moderation`, authenticated
 * with a moderator session token (`auth: { token, lastEventId }`). On connect
 * a moderator first gets every stored event after `lastEventId` (catch-up
 * after a reconnect), then `caught-up` (with the id to resume from), then live
 * events as they happen in any process (they arrive through presence pub/sub).
 * `lastEventId: 'latest'` skips the replay: `caught-up` then carries the newest
 * stored id, for a client that loads the current state over HTTP first.
 */
import type { Server as HttpServer } from 'node:http';
import { matchMaker, type Presence } from '@colyseus/core';
import { Server as SocketServer, type Socket } from 'socket.io';
import { FEED_NAMESPACE, type FeedEvent } from '../../../shared/src/index.js';
import type { ModeratorAuth } from './auth.js';
import { FEED_CHANNEL } from './bus.js';
import type { ModerationService } from './service.js';

/** Socket.io's own path; the game server's WebSocket transport leaves upgrades on it alone. */
export const SOCKET_IO_PATH = '/socket.io';
const CATCH_UP_PAGE = 500;
/** setTimeout's ceiling; longer sessions are re-checked when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface FeedSocketState {
  caughtUp: boolean;
  /** Live events that arrived during catch-up, sent after it. */
  queued: FeedEvent[];
  sentDuringCatchUp: Set<number>;
}

/** Event ids are 32-bit serials; anything else means "from the start" (or "nothing old" when too large). */
function lastEventIdOf(value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) return 0;
  return Math.min(n, 2 ** 31 - 1);
}

export interface Feed {
  io: SocketServer;
  close(): Promise<void>;
}

export function attachFeed(
  httpServer: HttpServer,
  moderation: ModerationService,
  auth: ModeratorAuth,
  presence: () => Presence = () => matchMaker.presence,
): Feed {
  const io = new SocketServer(httpServer, { path: SOCKET_IO_PATH, serveClient: false });
  const states = new Map<string, FeedSocketState>();
  const nsp = io.of(FEED_NAMESPACE);

  nsp.use((socket, next) => {
    const token: unknown = socket.handshake.auth.token;
    auth
      .authenticate(typeof token === 'string' ? token : undefined)
      .then((moderator) => {
        if (!moderator) return next(new Error('unauthorized: log in as a moderator and pass auth.token'));
        socket.data.moderator = moderator;
        next();
      })
      .catch((error: unknown) => next(error instanceof Error ? error : new Error(String(error))));
  });

  nsp.on('connection', (socket: Socket) => {
    const state: FeedSocketState = { caughtUp: false, queued: [], sentDuringCatchUp: new Set() };
    states.set(socket.id, state);
    socket.on('disconnect', () => states.delete(socket.id));
    const expiresAt = (socket.data.moderator as { expiresAt: Date }).expiresAt.getTime();
    // The feed closes when the session does.
    const expire = () => {
      const left = expiresAt - Date.now();
      if (left <= 0) socket.disconnect(true);
      else setTimeout(expire, Math.min(left, MAX_TIMER_MS)).unref();
    };
    expire();
    // `latest`: a client that loads the current state by HTTP wants nothing old, only the id to resume from.
    const from: unknown = socket.handshake.auth.lastEventId;
    void catchUp(socket, state, from === 'latest' ? 'latest' : lastEventIdOf(from));
  });

  async function catchUp(socket: Socket, state: FeedSocketState, afterId: number | 'latest'): Promise<void> {
    try {
      let last = afterId === 'latest' ? await moderation.latestEventId() : afterId;
      for (;;) {
        const events = await moderation.eventsAfter(last, CATCH_UP_PAGE);
        for (const event of events) {
          socket.emit('event', event);
          state.sentDuringCatchUp.add(event.id);
          last = event.id;
        }
        if (events.length < CATCH_UP_PAGE) break;
      }
      for (const event of state.queued) if (!state.sentDuringCatchUp.has(event.id)) socket.emit('event', event);
      state.caughtUp = true;
      state.queued = [];
      state.sentDuringCatchUp.clear();
      socket.emit('caught-up', { lastEventId: last });
    } catch (error) {
      console.error('[moderation feed] catch-up failed:', error);
      socket.emit('feed-error', { message: 'could not load missed events; reconnect to try again' });
      socket.disconnect(true);
    }
  }

  const onEvent = (event: FeedEvent) => {
    for (const [id, state] of states) {
      if (state.caughtUp) nsp.sockets.get(id)?.emit('event', event);
      else state.queued.push(event);
    }
  };
  void Promise.resolve(presence().subscribe(FEED_CHANNEL, onEvent)).catch((error: unknown) =>
    console.error('[moderation feed] could not subscribe:', error),
  );

  return {
    io,
    close: async () => {
      presence().unsubscribe(FEED_CHANNEL, onEvent);
      // io.close() would also close the shared HTTP server; only the sockets are ours to close.
      nsp.disconnectSockets(true);
      io.engine.close();
    },
  };
}
