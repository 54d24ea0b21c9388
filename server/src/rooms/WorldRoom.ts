/**
 * One instance of a world. A single room type serves all three worlds; the
 * matchmaker keys instances by `worldId` and opens a new one when full.
 */
import { CloseCode, Room, ServerError, type Client } from '@colyseus/core';
import { StateView } from '@colyseus/schema';
import type { z } from 'zod';
import {
  ClientMessage,
  ErrorCode,
  Player,
  ServerMessage,
  WORLDS,
  WorldState,
  chatPayload,
  describeIssues,
  groundDistance,
  isWorldId,
  joinOptions,
  movePayload,
  portalPayload,
  type ErrorEvent,
  type Vec3,
  type WorldDefinition,
  type WorldId,
} from '../../../shared/src/index.js';
import { ChatPipeline } from '../chat/ChatPipeline.js';
import type { WorldRoomConfig } from '../config.js';
import { neighboursWithin } from './interest.js';
import { applyMove } from './movement.js';
import { TokenBucket } from './rateLimit.js';

export const WORLD_ROOM = 'world';

/** The server's room config, plus the client's `worldId` (matchmaking filters on it). */
export interface WorldRoomOptions extends WorldRoomConfig {
  worldId?: unknown;
}

export interface WorldMetadata {
  worldId: WorldId;
}

type JoinOptions = z.infer<typeof joinOptions>;

/** Per-player bookkeeping that is not synchronised. */
interface Mover {
  lastMoveAt: number;
  moves: TokenBucket;
  chats: TokenBucket;
  lastRateLimitNotice: number;
}

/** A player may be this far outside a portal's radius and still use it (latency). */
const PORTAL_TOLERANCE = 1;
/** Removing a player from a view only past radius × this avoids flicker at the edge. */
const INTEREST_HYSTERESIS = 1.15;
/** Hard ceiling per client; past it Colyseus drops the connection (flood guard). */
const MAX_MESSAGES_PER_SECOND = 120;
const PALETTE = ['#e63946', '#f4a261', '#2a9d8f', '#457b9d', '#9b5de5', '#f15bb5', '#00bbf9', '#80b918'];

export class WorldRoom extends Room<{ state: WorldState; metadata: WorldMetadata }> {
  state = new WorldState();
  private world!: WorldDefinition;
  private cfg!: WorldRoomConfig;
  private readonly movers = new Map<string, Mover>();
  private readonly chat = new ChatPipeline();
  /** Set once shutdown begins: dropped clients are not waited for. */
  private closing = false;

  onCreate(options: WorldRoomOptions): void {
    if (!isWorldId(options.worldId)) {
      throw new ServerError(400, `unknown world "${String(options.worldId)}"`);
    }
    this.world = WORLDS[options.worldId];
    this.cfg = options;
    this.maxClients = options.maxClients;
    this.maxMessagesPerSecond = MAX_MESSAGES_PER_SECOND;
    this.state.worldId = this.world.id;
    this.state.interestRadius = options.interestRadius;
    this.setPatchRate(1000 / options.patchRateHz);
    void this.setMetadata({ worldId: this.world.id });

    this.onMessage(ClientMessage.Move, (client, message) => this.guard(client, ClientMessage.Move, () => this.onMove(client, message)));
    this.onMessage(ClientMessage.Chat, (client, message) => this.guard(client, ClientMessage.Chat, () => this.onChat(client, message)));
    this.onMessage(ClientMessage.Portal, (client, message) => this.guard(client, ClientMessage.Portal, () => this.onPortal(client, message)));
    this.onMessage('*', (client, type) =>
      this.sendError(client, String(type), ErrorCode.UnknownMessage, `unknown message type "${String(type)}"`),
    );

    this.clock.setInterval(() => this.updateInterest(), options.interestUpdateMs);
  }

  /** Join options are checked before a room is created or a seat taken, so bad input is a clear join error. */
  static async onAuth(_token: string, options: unknown): Promise<JoinOptions> {
    const parsed = joinOptions.safeParse(options);
    if (!parsed.success) throw new ServerError(400, describeIssues(parsed.error));
    return parsed.data;
  }

  onJoin(client: Client, _options: unknown, auth: JoinOptions): void {
    if (auth.worldId !== this.world.id) {
      throw new ServerError(400, `this room serves "${this.world.id}", not "${auth.worldId}"`);
    }
    const player = new Player();
    player.sessionId = client.sessionId;
    player.name = this.uniqueName(auth.name);
    player.color = auth.color ?? PALETTE[this.state.players.size % PALETTE.length]!;
    player.avatar = auth.avatar ?? 0;
    const at = this.arrivalPoint(auth.via);
    player.x = at.x;
    player.y = at.y;
    player.z = at.z;
    player.rot = 0;
    player.anim = 'idle';
    player.connected = true;
    this.state.players.set(client.sessionId, player);
    this.state.population = this.state.players.size;

    const now = performance.now();
    this.movers.set(client.sessionId, {
      lastMoveAt: now,
      moves: new TokenBucket(this.cfg.moveRatePerSecond, this.cfg.moveRatePerSecond),
      chats: new TokenBucket(this.cfg.chatBurst, this.cfg.chatRatePerSecond),
      lastRateLimitNotice: 0,
    });

    client.view = new StateView();
    this.updateInterest();
  }

  onDrop(client: Client): void {
    if (this.closing) return;
    const player = this.state.players.get(client.sessionId);
    if (player) player.connected = false;
    // A dropped player keeps its place for a while; onLeave runs if it never comes back.
    this.allowReconnection(client, this.cfg.reconnectSeconds);
  }

  onReconnect(client: Client): void {
    const player = this.state.players.get(client.sessionId);
    if (player) player.connected = true;
    const mover = this.movers.get(client.sessionId);
    if (mover) mover.lastMoveAt = performance.now();
  }

  onLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
    this.state.population = this.state.players.size;
    this.movers.delete(client.sessionId);
  }

  /** Server shutting down: tell the players, then let the room close. */
  onBeforeShutdown(): void {
    this.closing = true;
    this.broadcast(ServerMessage.Shutdown, { message: 'The server is restarting. Please reconnect in a moment.' });
    this.clock.setTimeout(() => {
      this.disconnect(CloseCode.SERVER_SHUTDOWN).catch(() => undefined);
    }, this.cfg.shutdownGraceMs);
  }

  private onMove(client: Client, message: unknown): void {
    const mover = this.movers.get(client.sessionId);
    const player = this.state.players.get(client.sessionId);
    if (!mover || !player) return;
    if (!mover.moves.take()) return this.rateLimited(client, ClientMessage.Move, mover);
    const parsed = movePayload.safeParse(message);
    if (!parsed.success) {
      return this.sendError(client, ClientMessage.Move, ErrorCode.BadPayload, describeIssues(parsed.error));
    }
    const now = performance.now();
    const outcome = applyMove(this.world, player, parsed.data, (now - mover.lastMoveAt) / 1000);
    mover.lastMoveAt = now;
    player.x = outcome.position.x;
    player.y = outcome.position.y;
    player.z = outcome.position.z;
    player.rot = parsed.data.rot;
    player.anim = parsed.data.anim;
    if (outcome.correction) {
      client.send(ServerMessage.Correction, { ...outcome.position, reason: outcome.correction });
    }
  }

  private onChat(client: Client, message: unknown): void {
    const mover = this.movers.get(client.sessionId);
    const player = this.state.players.get(client.sessionId);
    if (!mover || !player) return;
    if (!mover.chats.take()) return this.rateLimited(client, ClientMessage.Chat, mover);
    const parsed = chatPayload.safeParse(message);
    if (!parsed.success) {
      return this.sendError(client, ClientMessage.Chat, ErrorCode.BadPayload, describeIssues(parsed.error));
    }
    this.chat.submit(
      { worldId: this.world.id, roomId: this.roomId, sessionId: client.sessionId, name: player.name },
      parsed.data.text,
      { showBubble: (bubble) => this.broadcast(ServerMessage.Chat, bubble) },
    );
  }

  private onPortal(client: Client, message: unknown): void {
    const player = this.state.players.get(client.sessionId);
    if (!player) return;
    const parsed = portalPayload.safeParse(message);
    if (!parsed.success) {
      return this.sendError(client, ClientMessage.Portal, ErrorCode.BadPayload, describeIssues(parsed.error));
    }
    const portal = this.world.portals.find((p) => p.id === parsed.data.portalId);
    if (!portal) {
      return this.sendError(client, ClientMessage.Portal, ErrorCode.UnknownPortal, `no portal "${parsed.data.portalId}" in ${this.world.id}`);
    }
    if (groundDistance(player, portal.position) > portal.radius + PORTAL_TOLERANCE) {
      return this.sendError(client, ClientMessage.Portal, ErrorCode.PortalTooFar, `walk into the portal to use it (within ${portal.radius} m)`);
    }
    client.send(ServerMessage.PortalGranted, { to: portal.to, via: portal.id });
  }

  /** Players arriving through a portal appear at its far end; others at the spawn, spread out a little. */
  private arrivalPoint(via: string | undefined): Vec3 {
    if (via) {
      for (const world of Object.values(WORLDS)) {
        const portal = world.portals.find((p) => p.id === via && p.to === this.world.id);
        if (portal) return { ...portal.arrival };
      }
    }
    const angle = Math.random() * Math.PI * 2;
    const r = Math.random() * 3;
    return { x: this.world.spawn.x + Math.cos(angle) * r, y: this.world.spawn.y, z: this.world.spawn.z + Math.sin(angle) * r };
  }

  /** "Ana", then "Ana 2", "Ana 3"… within this room, kept inside the length limit. */
  private uniqueName(name: string): string {
    const taken = new Set<string>();
    this.state.players.forEach((p) => taken.add(p.name.toLowerCase()));
    if (!taken.has(name.toLowerCase())) return name;
    for (let n = 2; ; n++) {
      const suffix = ` ${n}`;
      const candidate = `${name.slice(0, 20 - suffix.length).trimEnd()}${suffix}`;
      if (!taken.has(candidate.toLowerCase())) return candidate;
    }
  }

  /** Bring each client's view in line with who is near it. */
  private updateInterest(): void {
    const players: Player[] = [];
    this.state.players.forEach((p) => players.push(p));
    const near = neighboursWithin(
      players.map((p) => ({ id: p.sessionId, x: p.x, z: p.z })),
      this.cfg.interestRadius,
    );
    const keepRadius = this.cfg.interestRadius * INTEREST_HYSTERESIS;
    for (const client of this.clients) {
      const view = client.view;
      const me = this.state.players.get(client.sessionId);
      if (!view || !me) continue;
      const visible = near.get(client.sessionId);
      for (const other of players) {
        const shown = view.has(other);
        if (visible?.has(other.sessionId)) {
          if (!shown) view.add(other);
        } else if (shown && groundDistance(me, other) > keepRadius) {
          view.remove(other);
        }
      }
    }
  }

  private rateLimited(client: Client, type: string, mover: Mover): void {
    // One notice a second is enough; the excess messages are dropped either way.
    const now = performance.now();
    if (now - mover.lastRateLimitNotice < 1000) return;
    mover.lastRateLimitNotice = now;
    this.sendError(client, type, ErrorCode.RateLimited, `too many "${type}" messages; slow down`);
  }

  private sendError(client: Client, type: string, code: ErrorCode, message: string): void {
    const event: ErrorEvent = { code, type, message };
    client.send(ServerMessage.Error, event);
  }

  /** A handler that throws answers its sender with an error; the room keeps serving. */
  private guard(client: Client, type: string, handler: () => void): void {
    try {
      handler();
    } catch (error) {
      console.error(`[world ${this.world.id}/${this.roomId}] "${type}" handler failed:`, error);
      this.sendError(client, type, ErrorCode.Internal, 'the server could not handle this message');
    }
  }
}
