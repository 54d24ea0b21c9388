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
import { PresenceInferenceClient } from '../inference/presenceChannel.js';
import { activeModeration } from '../moderation/index.js';
import { applyRoomCommand, subscribeRoom, type ModeratedRoom } from '../moderation/roomBridge.js';
import type { WorldRoomConfig } from '../config.js';
import { neighboursWithin } from './interest.js';
import { applyMove } from './movement.js';
import { TokenBucket } from './rateLimit.js';

export const WORLD_ROOM = 'world';

/** The server's room config, plus the client's `worldId` (matchmaking filters on it). */
export interface WorldRoomOptions extends WorldRoomConfig {
  worldId?: unknown;
  /** How long a comment's tag may take before it is given up (the bubble never waits for it). */
  tagTimeoutMs: number;
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
  private chat!: ChatPipeline;
  private inference!: PresenceInferenceClient;
  /** Set when moderation runs in this process: unsubscribes the room from its moderation channels. */
  private leaveModeration: (() => void) | undefined;
  /** Set once shutdown begins: dropped clients are not waited for. */
  private closing = false;

  async onCreate(options: WorldRoomOptions): Promise<void> {
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
    // Comments reach the inference room over presence, wherever it runs.
    this.inference = await PresenceInferenceClient.connect(this.presence, options.tagTimeoutMs);
    const moderation = activeModeration();
    this.chat = new ChatPipeline(
      this.inference,
      options.tagTimeoutMs,
      Date.now,
      moderation && { service: moderation.service, tagDeadlineMs: moderation.tagDeadlineMs },
    );
    // Moderator actions (show, hide, kick…) reach this room over presence, from whichever process took them.
    if (moderation) this.leaveModeration = await subscribeRoom(this.moderated());

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
    const ban = await activeModeration()?.service.activeSanction('ban', parsed.data.name);
    if (ban) throw new ServerError(403, `"${parsed.data.name}" is banned until ${ban.expiresAt}${ban.reason ? `: ${ban.reason}` : ''}`);
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
    activeModeration()
      ?.service.playerJoined(client.sessionId, player.name, this.world.id, this.roomId)
      .catch((error: unknown) => console.error('[world] could not record the player session:', error));
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
    if (this.state.players.has(client.sessionId)) {
      activeModeration()
        ?.service.playerLeft(client.sessionId)
        .catch((error: unknown) => console.error('[world] could not record the player leaving:', error));
    }
    this.state.players.delete(client.sessionId);
    this.state.population = this.state.players.size;
    this.movers.delete(client.sessionId);
  }

  async onDispose(): Promise<void> {
    this.leaveModeration?.();
    await this.inference?.close();
  }

  /** Server shutting down: tell the players, then let the room close. */
  onBeforeShutdown(): void {
    this.closing = true;
    this.broadcast(ServerMessage.Shutdown, { message: 'The server is restarting. Please reconnect in a moment.' });
    this.clock.setTimeout(() => {
      this.disconnect(CloseCode.SERVER_SHUTDOWN).catch(() => undefined);
    }, this.cfg.shutdownGraceMs);
  }

  /** The gate every client message passes: a known player, within its rate limit, with a valid payload. */
  private admit<T>(
    client: Client,
    type: string,
    message: unknown,
    schema: z.ZodType<T>,
    bucket?: 'moves' | 'chats',
  ): { player: Player; data: T; mover: Mover } | undefined {
    const mover = this.movers.get(client.sessionId);
    const player = this.state.players.get(client.sessionId);
    if (!mover || !player) return undefined;
    if (bucket && !mover[bucket].take()) {
      this.rateLimited(client, type, mover);
      return undefined;
    }
    const parsed = schema.safeParse(message);
    if (!parsed.success) {
      this.sendError(client, type, ErrorCode.BadPayload, describeIssues(parsed.error));
      return undefined;
    }
    return { player, data: parsed.data, mover };
  }

  private onMove(client: Client, message: unknown): void {
    const admitted = this.admit(client, ClientMessage.Move, message, movePayload, 'moves');
    if (!admitted) return;
    const { player, data, mover } = admitted;
    const now = performance.now();
    const outcome = applyMove(this.world, player, data, (now - mover.lastMoveAt) / 1000);
    mover.lastMoveAt = now;
    player.x = outcome.position.x;
    player.y = outcome.position.y;
    player.z = outcome.position.z;
    player.rot = data.rot;
    player.anim = data.anim;
    if (outcome.correction) {
      client.send(ServerMessage.Correction, { ...outcome.position, reason: outcome.correction });
    }
  }

  private onChat(client: Client, message: unknown): void {
    const admitted = this.admit(client, ClientMessage.Chat, message, chatPayload, 'chats');
    if (!admitted) return;
    const { player, data } = admitted;
    this.chat.submit(
      { worldId: this.world.id, roomId: this.roomId, sessionId: client.sessionId, name: player.name },
      data.text,
      {
        showBubble: (bubble) => this.broadcast(ServerMessage.Chat, bubble),
        showTag: (tag) => this.broadcast(ServerMessage.ChatTag, tag),
        showToSpeaker: (bubble) => client.send(ServerMessage.Chat, bubble),
        apply: (command) => applyRoomCommand(this.moderated(), command),
        refuse: (code, text) => this.sendError(client, ClientMessage.Chat, code === 'muted' ? ErrorCode.Muted : ErrorCode.Internal, text),
      },
    );
  }

  private onPortal(client: Client, message: unknown): void {
    const admitted = this.admit(client, ClientMessage.Portal, message, portalPayload);
    if (!admitted) return;
    const { player, data } = admitted;
    const portal = this.world.portals.find((p) => p.id === data.portalId);
    if (!portal) {
      return this.sendError(client, ClientMessage.Portal, ErrorCode.UnknownPortal, `no portal "${data.portalId}" in ${this.world.id}`);
    }
    if (groundDistance(player, portal.position) > portal.radius + PORTAL_TOLERANCE) {
      return this.sendError(client, ClientMessage.Portal, ErrorCode.PortalTooFar, `walk into the portal to use it (within ${portal.radius} m)`);
    }
    client.send(ServerMessage.PortalGranted, { to: portal.to, via: portal.id });
  }

  /** The parts of this room that moderation acts on. */
  private moderated(): ModeratedRoom {
    return {
      roomId: this.roomId,
      presence: this.presence,
      clients: this.clients,
      broadcast: (type, message, options) => this.broadcast(type, message, options),
      nameOf: (sessionId) => this.state.players.get(sessionId)?.name,
    };
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
