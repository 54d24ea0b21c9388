/**
 * Artillery engine for the metaverse: virtual players join a world room over
 * the real Colyseus protocol (@colyseus/sdk), walk at 10 Hz inside the world's
 * bounds and speed limit, chat now and then, and record:
 *   colyseus.join_time      joinOrCreate until the room is joined (ms)
 *   colyseus.move_seen      a move sent until another player's state shows it (ms)
 *   chat.bubble_own         chat sent until the speaker's own bubble is back (ms)
 *   chat.tag                the speaker's bubble until its chat-tag (ms)
 *   chat.badge_others       a comment's server stamp until another player has its badge (ms)
 *   moderation.feed_latency a comment's server stamp until a moderator's feed has it (ms)
 * and counters (colyseus.disconnected, colyseus.corrections, chat.held…).
 *
 * Artillery requires `artillery-engine-<name>`; load/run.ts puts this folder on
 * NODE_PATH and registers tsx, so the engine stays TypeScript. Latencies
 * between two players (move_seen, badge_others) are measured by players in the
 * same Artillery worker (one per CPU but one), and the server-stamped ones
 * assume the server's clock is this machine's (loopback runs).
 */
import { Client, type Room } from '@colyseus/sdk';
import { io } from 'socket.io-client';
import {
  ClientMessage,
  FEED_NAMESPACE,
  ServerMessage,
  WORLDS,
  WORLD_IDS,
  WorldState,
  isWorldId,
  type ChatBubble,
  type ChatTag,
  type CorrectionEvent,
  type FeedEvent,
  type LoginResponse,
  type MovePayload,
  type WorldDefinition,
  type WorldId,
} from '../../../shared/src/index.js';

// ---- The parts of Artillery's engine interface this engine uses.

interface Events {
  emit(event: 'histogram' | 'counter', name: string, value: number): void;
  emit(event: 'started'): void;
  emit(event: 'error', code: string): void;
}

interface Script {
  config: { target: string; colyseus?: EngineDefaults };
}

type Done = (error: Error | null, context: unknown) => void;

/** Engine-wide settings, from `config.colyseus` in a scenario file. */
interface EngineDefaults {
  /** Share of players that watch others and record move_seen / badge_others (the rest only play): keeps the client's own work down. */
  observerShare?: number;
}

interface JoinStep {
  /** A world id, or `spread` to share players evenly across the three worlds. */
  world?: string;
  namePrefix?: string;
}

interface PlayStep {
  /** Seconds to play. */
  duration: number;
  /** Move messages per second. */
  moveHz?: number;
  /** Mean seconds between one player's comments; omit for none. */
  chatEvery?: number;
  /** Share of comments with a gap (`___`), which go through fill-mask too. */
  gapShare?: number;
}

interface ModerateStep {
  /** Seconds to stay on the feed. */
  duration: number;
  /** Defaults: MODERATOR_LOGIN and MODERATOR_PASSWORD from the environment. */
  login?: string;
  password?: string;
}

interface Step {
  join?: JoinStep;
  play?: PlayStep;
  leave?: Record<string, never> | null;
  moderate?: ModerateStep;
  /** Seconds. */
  think?: number;
}

interface ScenarioSpec {
  flow: Step[];
}

// ---- Shared by the players of this worker (one thread).

/** A move as the observers will see it: float32 positions, as the state carries them. */
interface SentMove {
  x: number;
  z: number;
  at: number;
  seq: number;
}
const MOVE_HISTORY = 30;
/** Each player's last moves, by session id, for observers to match what they see against. */
const sentMoves = new Map<string, SentMove[]>();
let playerCount = 0;

const POSITIVE = ['what a lovely place', 'i really like this world', 'great to see you all here', 'this is wonderful', 'nice view from the pier'];
const NEUTRAL = ['walking to the fountain', 'anyone near the portal', 'going to the forest next', 'hello everyone', 'where is the harbour'];
const NEGATIVE = ['this is boring', 'i do not like the music', 'the lag is bad today'];
const GAPPED = ['this place is ___', 'the weather is ___ today', 'i think the plaza is ___', 'we should ___ together'];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class ColyseusEngine {
  private readonly target: string;
  private readonly defaults: Required<EngineDefaults>;

  constructor(script: Script) {
    this.target = script.config.target;
    this.defaults = { observerShare: 0.2, ...script.config.colyseus };
  }

  createScenario(spec: ScenarioSpec, ee: Events) {
    return (context: unknown, done: Done) => {
      ee.emit('started');
      const player = new VirtualPlayer(this.target, ee, this.defaults);
      player.run(spec.flow).then(
        () => done(null, context),
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          ee.emit('error', message.slice(0, 120));
          player.close();
          done(error instanceof Error ? error : new Error(message), context);
        },
      );
    };
  }
}

class VirtualPlayer {
  private room: Room<unknown, WorldState> | undefined;
  private world: WorldDefinition | undefined;
  private observer: boolean;
  private leaving = false;
  private readonly pos = { x: 0, z: 0 };
  private seq = 0;
  /** Moves by others already recorded, so each is counted once per observer. */
  private readonly seenSeq = new Map<string, number>();
  /** Own comments sent and not yet back, oldest first. */
  private readonly pendingOwn: number[] = [];
  /** Own bubbles waiting for their tag: bubble id → when the bubble came back. */
  private readonly ownBubbles = new Map<string, number>();
  /** Others' bubbles shown without a badge yet: id → server stamp. */
  private readonly othersUntagged = new Map<string, number>();

  constructor(
    private readonly target: string,
    private readonly ee: Events,
    private readonly defaults: Required<EngineDefaults>,
  ) {
    this.observer = Math.random() < defaults.observerShare;
  }

  async run(flow: Step[]): Promise<void> {
    for (const step of flow) {
      if (step.join) await this.join(step.join);
      else if (step.play) await this.play(step.play);
      else if (step.moderate) await this.moderate(step.moderate);
      else if (step.think !== undefined) await sleep(step.think * 1000);
      else if ('leave' in step) await this.leave();
      else throw new Error(`unknown step ${JSON.stringify(step)}`);
    }
    if (this.room) await this.leave();
  }

  close(): void {
    this.leaving = true;
    if (this.room) sentMoves.delete(this.room.sessionId);
    void this.room?.leave(true).catch(() => undefined);
  }

  private count(name: string, value = 1): void {
    this.ee.emit('counter', name, value);
  }

  private async join(step: JoinStep): Promise<void> {
    const n = playerCount++;
    const worldId: WorldId = step.world && step.world !== 'spread' ? (isWorldId(step.world) ? step.world : fail(`unknown world ${step.world}`)) : WORLD_IDS[n % WORLD_IDS.length]!;
    this.world = WORLDS[worldId];
    // Zero counters up front, so `ensure` conditions on them hold a value even when nothing went wrong.
    for (const name of ['colyseus.disconnected', 'colyseus.join_failed', 'colyseus.corrections', 'colyseus.server_errors']) this.count(name, 0);
    const started = performance.now();
    let room: Room<unknown, WorldState>;
    try {
      room = await new Client(this.target).joinOrCreate('world', { worldId, name: `${step.namePrefix ?? 'load'}-${process.pid % 1000}-${n}` }, WorldState);
    } catch (error) {
      this.count('colyseus.join_failed');
      throw new Error(`join failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.ee.emit('histogram', 'colyseus.join_time', performance.now() - started);
    this.count('colyseus.joined');
    this.room = room;
    room.onDrop(() => this.count('colyseus.dropped'));
    room.onLeave(() => {
      if (!this.leaving) this.count('colyseus.disconnected');
    });
    room.onMessage(ServerMessage.Correction, (c: CorrectionEvent) => {
      this.count('colyseus.corrections');
      this.pos.x = c.x;
      this.pos.z = c.z;
    });
    room.onMessage(ServerMessage.Error, (e: { code: string }) => {
      this.count('colyseus.server_errors');
      this.count(`colyseus.server_errors.${e.code}`);
    });
    room.onMessage(ServerMessage.Chat, (bubble: ChatBubble) => this.onBubble(bubble));
    room.onMessage(ServerMessage.ChatTag, (tag: ChatTag) => this.onTag(tag));
    room.onMessage(ServerMessage.ChatHeld, () => {
      this.count('chat.held');
      this.pendingOwn.shift();
    });
    for (const type of [ServerMessage.ChatHidden, ServerMessage.ChatDenied, ServerMessage.PortalGranted, ServerMessage.Shutdown]) room.onMessage(type, () => undefined);
    if (this.observer) room.onStateChange((state) => this.observe(state));

    // Start where the server put us.
    const deadline = Date.now() + 5000;
    while (!room.state.players?.get(room.sessionId)) {
      if (Date.now() > deadline) throw new Error('own player never appeared in the state');
      await sleep(20);
    }
    const me = room.state.players.get(room.sessionId)!;
    this.pos.x = me.x;
    this.pos.z = me.z;
    sentMoves.set(room.sessionId, []);
  }

  /** Walk towards random points at 70% of the speed limit, `moveHz` moves a second, chatting now and then. */
  private async play(step: PlayStep): Promise<void> {
    const room = this.room ?? fail('play before join');
    const world = this.world!;
    const hz = step.moveHz ?? 10;
    const speed = world.speedLimit * 0.7;
    const margin = 2;
    const randomTarget = () => ({
      x: world.bounds.minX + margin + Math.random() * (world.bounds.maxX - world.bounds.minX - 2 * margin),
      z: world.bounds.minZ + margin + Math.random() * (world.bounds.maxZ - world.bounds.minZ - 2 * margin),
    });
    let goal = randomTarget();
    const chatChance = step.chatEvery ? 1 / (step.chatEvery * hz) : 0;
    const history = sentMoves.get(room.sessionId)!;
    const end = performance.now() + step.duration * 1000;
    let last = performance.now();
    while (performance.now() < end) {
      await sleep(1000 / hz);
      if (this.leaving) return;
      const now = performance.now();
      // A late timer must not turn into a step faster than the limit.
      const dt = Math.min((now - last) / 1000, 1 / hz);
      last = now;
      const dx = goal.x - this.pos.x;
      const dz = goal.z - this.pos.z;
      const dist = Math.hypot(dx, dz);
      if (dist < 1) goal = randomTarget();
      const stride = Math.min(dist, speed * dt);
      if (dist > 0) {
        this.pos.x += (dx / dist) * stride;
        this.pos.z += (dz / dist) * stride;
      }
      const move: MovePayload = { x: this.pos.x, y: 0, z: this.pos.z, rot: Math.atan2(dx, dz), anim: 'walk' };
      room.send(ClientMessage.Move, move);
      history.push({ x: Math.fround(move.x), z: Math.fround(move.z), at: now, seq: ++this.seq });
      if (history.length > MOVE_HISTORY) history.shift();
      this.count('colyseus.moves_sent');
      if (chatChance > 0 && Math.random() < chatChance) this.chat(step.gapShare ?? 0.3);
    }
  }

  private chat(gapShare: number): void {
    const text = Math.random() < gapShare ? pick(GAPPED) : pick(Math.random() < 0.15 ? NEGATIVE : Math.random() < 0.5 ? POSITIVE : NEUTRAL);
    if (!this.room) return;
    this.pendingOwn.push(performance.now());
    this.room.send(ClientMessage.Chat, { text });
    this.count('chat.sent');
  }

  private onBubble(bubble: ChatBubble): void {
    const room = this.room;
    if (!room) return; // arrived while leaving
    if (bubble.sessionId === room.sessionId) {
      const sentAt = this.pendingOwn.shift();
      const now = performance.now();
      if (sentAt !== undefined) this.ee.emit('histogram', 'chat.bubble_own', now - sentAt);
      this.ownBubbles.set(bubble.id, now);
      return;
    }
    if (!this.observer) return;
    // With AutoMod, others usually get the bubble with its badge on; otherwise the badge follows.
    if (bubble.tag) this.ee.emit('histogram', 'chat.badge_others', Date.now() - bubble.sentAt);
    else this.othersUntagged.set(bubble.id, bubble.sentAt);
  }

  private onTag(tag: ChatTag): void {
    const own = this.ownBubbles.get(tag.id);
    if (own !== undefined) {
      this.ownBubbles.delete(tag.id);
      this.ee.emit('histogram', 'chat.tag', performance.now() - own);
      this.count('chat.tagged');
      return;
    }
    const stamp = this.othersUntagged.get(tag.id);
    if (stamp !== undefined) {
      this.othersUntagged.delete(tag.id);
      this.ee.emit('histogram', 'chat.badge_others', Date.now() - stamp);
    }
  }

  /** On each patch: for players whose moves this worker sent, find the move now shown and record how long it took. */
  private observe(state: WorldState): void {
    const room = this.room;
    if (!room) return; // a patch that arrived while leaving
    const now = performance.now();
    const me = room.sessionId;
    state.players.forEach((p, id) => {
      if (id === me) return;
      const history = sentMoves.get(id);
      if (!history) return;
      for (let i = history.length - 1; i >= 0; i--) {
        const move = history[i]!;
        if (move.x !== p.x || move.z !== p.z) continue;
        if ((this.seenSeq.get(id) ?? 0) < move.seq) {
          this.seenSeq.set(id, move.seq);
          this.ee.emit('histogram', 'colyseus.move_seen', now - move.at);
        }
        return;
      }
    });
  }

  private async leave(): Promise<void> {
    const room = this.room;
    if (!room) return;
    this.leaving = true;
    this.room = undefined;
    sentMoves.delete(room.sessionId);
    // Comments whose tag never came while we were here.
    if (this.ownBubbles.size > 0) this.count('chat.untagged', this.ownBubbles.size);
    await room.leave(true);
  }

  /** A moderator: log in, open the socket.io feed, and time each new comment's arrival. */
  private async moderate(step: ModerateStep): Promise<void> {
    const login = step.login ?? process.env.MODERATOR_LOGIN;
    const password = step.password ?? process.env.MODERATOR_PASSWORD;
    if (!login || !password) throw new Error('moderate needs MODERATOR_LOGIN and MODERATOR_PASSWORD');
    this.count('moderation.disconnected', 0);
    const res = await fetch(`${this.target}/api/moderation/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login, password }),
    });
    if (res.status !== 200) throw new Error(`moderator login failed: HTTP ${res.status}`);
    const { token } = (await res.json()) as LoginResponse;
    const started = performance.now();
    const socket = io(`${this.target}${FEED_NAMESPACE}`, { path: '/socket.io', auth: { token }, transports: ['websocket'], reconnection: false });
    let closing = false;
    await new Promise<void>((resolve, reject) => {
      socket.once('caught-up', () => resolve());
      socket.once('connect_error', (error) => reject(new Error(`feed: ${error.message}`)));
    });
    this.ee.emit('histogram', 'moderation.connect_time', performance.now() - started);
    socket.on('event', (event: FeedEvent) => {
      this.count('moderation.events');
      if (event.type === 'comment.new' && event.comment) {
        this.ee.emit('histogram', 'moderation.feed_latency', Date.now() - Date.parse(event.comment.createdAt));
      }
    });
    socket.on('disconnect', () => {
      if (!closing) this.count('moderation.disconnected');
    });
    await sleep(step.duration * 1000);
    closing = true;
    socket.disconnect();
  }
}

function fail(message: string): never {
  throw new Error(message);
}

// Artillery require()s engines and wants the class itself; Node's require(esm) hands over this export.
export { ColyseusEngine as 'module.exports' };
