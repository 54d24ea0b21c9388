/**
 * The live feed: socket.io namespace /moderation with the session token. The
 * first connect asks for nothing old (`lastEventId: 'latest'`; the dashboard
 * then loads the current state over HTTP); every reconnect sends the last
 * event id seen, so the server replays what was missed, then says
 * `caught-up`. Events are handed on once each, in id order.
 */
import { io, type Socket } from 'socket.io-client';
import { FEED_NAMESPACE, type FeedEvent } from '../../shared/src/moderation.js';

export type FeedState = 'connecting' | 'catching-up' | 'live' | 'reconnecting' | 'stopped';

export interface FeedHandlers {
  event(event: FeedEvent): void;
  state(state: FeedState, detail?: string): void;
  /** The server refused the session (expired or logged out). */
  unauthorized(): void;
  /** Caught up: the first time (nothing was replayed), load the current state over HTTP. */
  caughtUp(first: boolean): void;
}

export class LiveFeed {
  private socket: Socket | null = null;
  /** Null until the first `caught-up`: the first connect asks for nothing old (`latest`). */
  lastEventId: number | null = null;

  constructor(private readonly handlers: FeedHandlers) {}

  start(token: string): void {
    this.stop();
    this.lastEventId = null;
    this.handlers.state('connecting');
    const socket = io(FEED_NAMESPACE, {
      path: '/socket.io',
      // A function, so every reconnect sends the latest id seen.
      auth: (cb) => cb({ token, lastEventId: this.lastEventId ?? 'latest' }),
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket = socket;
    socket.on('connect', () => this.handlers.state('catching-up'));
    socket.on('caught-up', (info: { lastEventId: number }) => {
      const first = this.lastEventId === null;
      this.lastEventId = Math.max(this.lastEventId ?? 0, info.lastEventId);
      this.handlers.state('live');
      this.handlers.caughtUp(first);
    });
    socket.on('event', (event: FeedEvent) => {
      if (this.lastEventId !== null && event.id <= this.lastEventId) return;
      this.lastEventId = event.id;
      this.handlers.event(event);
    });
    socket.on('feed-error', (e: { message?: string }) => this.handlers.state('reconnecting', e.message));
    socket.on('disconnect', (reason) => {
      // The server ends the socket when the session expires; anything else reconnects by itself.
      if (reason === 'io server disconnect') socket.connect();
      this.handlers.state('reconnecting');
    });
    socket.on('connect_error', (error) => {
      if (/unauthorized/i.test(error.message)) {
        this.stop();
        this.handlers.unauthorized();
      } else {
        this.handlers.state('reconnecting', error.message);
      }
    });
  }

  /** Drop the connection (as a network failure would) until `resume`. */
  pause(): void {
    this.socket?.disconnect();
    this.handlers.state('reconnecting');
  }

  /** Connect again, sending the last id seen: the server replays what was missed. */
  resume(): void {
    this.socket?.connect();
  }

  stop(): void {
    if (!this.socket) return;
    this.socket.removeAllListeners();
    this.socket.disconnect();
    this.socket = null;
    this.handlers.state('stopped');
  }
}
