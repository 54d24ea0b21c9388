/**
 * One player's visit: joins a world room, builds its scene, and each frame
 * moves the local player (predicted), the others (interpolated), the camera,
 * the labels and the HUD. Walking into a portal moves the visit to the next
 * world through the same path.
 */
import { Client, type Room } from '@colyseus/sdk';
import type { Engine } from '@babylonjs/core/Engines/engine';
import {
  ClientMessage,
  ServerMessage,
  type ChatBubble,
  type ChatModerationEvent,
  type ChatTag,
  type CorrectionEvent,
  type ErrorEvent,
  type PortalGrantedEvent,
  type ShutdownEvent,
} from '../../shared/src/messages.js';
import { WorldState } from '../../shared/src/state.js';
import { WORLDS, groundDistance, type WorldDefinition, type WorldId } from '../../shared/src/worlds.js';
import { ChatModel } from './logic/chatModel.js';
import { describeJoinError } from './logic/joinErrors.js';
import { SnapshotBuffer, type Pose } from './logic/interpolation.js';
import { LocalPlayer } from './logic/prediction.js';
import { gameEndpoint } from './net/api.js';
import { AvatarCrowd, TAG_HEIGHT } from './scene/avatars.js';
import { buildWorld, type BuiltWorld } from './scene/world.js';
import { ChatView, renderBubble } from './ui/chatView.js';
import type { PlayerInput } from './ui/input.js';
import { Labels } from './ui/labels.js';

type WorldRoom = Room<unknown, WorldState>;

export interface Profile {
  name: string;
  color: string;
}

/** The page's elements the game draws into. */
export interface GameDom {
  canvas: HTMLCanvasElement;
  labels: HTMLElement;
  hud: { world: HTMLElement; players: HTMLElement; ping: HTMLElement; fps: HTMLElement };
  banner: HTMLElement;
  chat: ConstructorParameters<typeof ChatView>[0];
  loading: (fraction: number, text: string) => void;
}

interface Remote {
  buffer: SnapshotBuffer;
  tag: HTMLElement;
  bubble: HTMLElement;
  /** The bubble entry and tag state drawn, to redraw only on change. */
  drawn: string;
  pose?: Pose;
}

/** How often the HUD text is refreshed and the ping measured. */
const HUD_INTERVAL_MS = 250;
const PING_INTERVAL_MS = 2000;
/** A portal request without an answer is retried after this long. */
const PORTAL_RETRY_MS = 1500;
const ARRIVAL_CAMERA_RADIUS = 5.5;

export class Game {
  readonly client = new Client(gameEndpoint());
  room: WorldRoom | undefined;
  world: WorldDefinition | undefined;
  ready = false;
  /** performance.now() when the current world became ready (benchmark). */
  readyAt = 0;
  /** JS milliseconds of recent frames (update + render submit), newest last (benchmark). */
  readonly frameTimes: number[] = [];
  /** Frames drawn since the page opened (benchmark: which of frameTimes are new). */
  frameCount = 0;

  private built: BuiltWorld | undefined;
  private crowd: AvatarCrowd | undefined;
  private local: LocalPlayer | undefined;
  private localAvatar: Remote | undefined;
  private readonly remotes = new Map<string, Remote>();
  private chat: ChatModel | undefined;
  /** One per visit: it outlives world changes, the model (per room) does not. */
  private readonly chatView: ChatView;
  private readonly labels: Labels;
  private portalAskedAt = 0;
  private switching = false;
  private autopilot: { x: number; z: number } | undefined;
  private ping = 0;
  private hudAt = 0;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private startedAt = performance.now();

  constructor(
    private readonly engine: Engine,
    private readonly dom: GameDom,
    private readonly input: PlayerInput,
    private readonly profile: Profile,
    /** Called when the visit ends against our will (kicked, connection lost for good). */
    private readonly onLost: (reason: string) => void,
  ) {
    this.labels = new Labels(dom.labels);
    this.chatView = new ChatView(dom.chat, (text) => this.room?.send(ClientMessage.Chat, { text }));
    engine.runRenderLoop(() => this.frame());
  }

  /** Join a world (through a portal when `via` is set). Rejects with the server's reason. */
  async enter(worldId: WorldId, via?: string): Promise<void> {
    this.ready = false;
    const world = WORLDS[worldId];
    this.dom.loading(0.1, `Connecting to ${world.name}…`);
    const room = await this.client.joinOrCreate(
      'world',
      { worldId, name: this.profile.name, color: this.profile.color, ...(via ? { via } : {}) },
      WorldState,
    );
    this.room = room;
    this.world = world;
    this.dom.loading(0.4, `Building ${world.name}…`);
    // Let the bar paint before the (synchronous) scene build.
    await new Promise((r) => requestAnimationFrame(r));
    this.built = buildWorld(this.engine, world, this.dom.canvas);
    this.crowd = new AvatarCrowd(this.built.scene);
    this.chat = new ChatModel(room.sessionId);
    for (const portal of world.portals) {
      const sign = document.createElement('div');
      sign.className = 'portal-sign';
      sign.textContent = `→ ${WORLDS[portal.to].name}`;
      this.labels.add(`portal:${portal.id}`, sign);
      this.labels.setAnchor(`portal:${portal.id}`, portal.position.x, 5.3, portal.position.z);
    }
    this.listen(room);
    this.dom.loading(0.7, 'Meeting the locals…');
    await new Promise<void>((resolve) => {
      if (room.state.players?.has(room.sessionId)) resolve();
      else room.onStateChange.once(() => resolve());
    });
    this.onPatch(room.state);
    // Arrivals stand a few metres in front of the portal back: keep the camera on this side of it.
    if (via) this.built.camera.radius = ARRIVAL_CAMERA_RADIUS;
    await this.built.scene.whenReadyAsync();
    this.dom.hud.world.textContent = world.name;
    this.dom.loading(1, 'Ready');
    this.ready = true;
    this.readyAt = performance.now();
    this.pingTimer = setInterval(() => room.ping((ms) => (this.ping = ms)), PING_INTERVAL_MS);
  }

  /** Leave for good (back to the start screen). */
  async leave(): Promise<void> {
    this.switching = true;
    await this.room?.leave(true).catch(() => undefined);
    this.teardown();
    this.end();
  }

  /** Test hook: walk (really, through the same movement code) towards a point. */
  walkTo(x: number, z: number): void {
    this.autopilot = { x, z };
  }

  localPosition(): { x: number; z: number } | undefined {
    return this.local ? { x: this.local.pose.x, z: this.local.pose.z } : undefined;
  }

  remotePlayers(): Array<{ sessionId: string; x: number; z: number; anim: string }> {
    return [...this.remotes].filter(([, r]) => r.pose).map(([sessionId, r]) => ({ sessionId, x: r.pose!.x, z: r.pose!.z, anim: r.pose!.anim }));
  }

  private listen(room: WorldRoom): void {
    const now = () => performance.now();
    room.onStateChange((state) => this.onPatch(state));
    room.onMessage(ServerMessage.Chat, (b: ChatBubble) => this.chat?.onChat(b, now()));
    room.onMessage(ServerMessage.ChatTag, (t: ChatTag) => this.chat?.onTag(t));
    room.onMessage(ServerMessage.ChatHidden, (e: ChatModerationEvent) => this.chat?.onHidden(e));
    room.onMessage(ServerMessage.ChatHeld, (e: ChatModerationEvent) => this.chat?.onHeld(e, now()));
    room.onMessage(ServerMessage.ChatDenied, (e: ChatModerationEvent) => this.chat?.onDenied(e, now()));
    room.onMessage(ServerMessage.Correction, (c: CorrectionEvent) => this.local?.correct(c));
    room.onMessage(ServerMessage.Error, (e: ErrorEvent) => {
      if (e.type === ClientMessage.Portal) this.portalAskedAt = now(); // wait before asking again
      this.chat?.onError(e, now());
    });
    room.onMessage(ServerMessage.PortalGranted, (p: PortalGrantedEvent) => void this.travel(p));
    room.onMessage(ServerMessage.Shutdown, (s: ShutdownEvent) => this.showBanner(s.message));
    room.onDrop(() => this.showBanner('Connection lost. Reconnecting…'));
    room.onReconnect(() => this.showBanner(undefined));
    room.onLeave((code) => {
      if (this.switching || room !== this.room) return;
      this.teardown();
      this.end();
      this.onLost(`You were disconnected from the server (code ${code}).`);
    });
  }

  private async travel(p: PortalGrantedEvent): Promise<void> {
    if (this.switching) return;
    this.switching = true;
    this.dom.loading(0.05, `Travelling to ${WORLDS[p.to].name}…`);
    await this.room?.leave(true).catch(() => undefined);
    this.teardown();
    this.switching = false;
    try {
      await this.enter(p.to, p.via);
    } catch (error) {
      this.end();
      this.onLost(describeJoinError(error));
    }
  }

  /** Every server patch is a snapshot: buffer it for each other player; add and drop avatars. */
  private onPatch(state: WorldState): void {
    if (!this.crowd || !this.built || !this.room || this.switching) return;
    const now = performance.now();
    const seen = new Set<string>();
    state.players.forEach((p, id) => {
      seen.add(id);
      let r = this.remotes.get(id);
      if (id === this.room!.sessionId) {
        if (!this.local) {
          this.local = new LocalPlayer(this.world!, { x: p.x, y: p.y, z: p.z }, this.built!.obstacles);
          this.localAvatar = this.makeAvatar(id, p.name, p.color);
          this.aimCameraInward(p.x, p.z);
        }
        return;
      }
      if (!r) {
        r = this.makeAvatar(id, p.name, p.color);
        this.remotes.set(id, r);
      }
      r.tag.classList.toggle('away', !p.connected);
      r.buffer.push(now, { x: p.x, y: p.y, z: p.z, rot: p.rot, anim: p.anim });
    });
    for (const id of this.remotes.keys()) {
      if (!seen.has(id)) this.dropAvatar(id);
    }
  }

  private frame(): void {
    const t0 = performance.now();
    const built = this.built;
    if (!built || !this.room) return;
    // Capped so a stalled tab does not jump; high enough that slow (software-rendered) frames still walk at full speed.
    const dt = Math.min(0.25, this.engine.getDeltaTime() / 1000);
    this.update(built, t0, dt);
    built.scene.render();
    this.frameTimes.push(performance.now() - t0);
    this.frameCount++;
    if (this.frameTimes.length > 600) this.frameTimes.splice(0, 300);
  }

  private update(built: BuiltWorld, now: number, dt: number): void {
    const room = this.room!;
    const world = this.world!;
    const camera = built.camera;
    built.animate((now - this.startedAt) / 1000);

    if (this.local && this.localAvatar) {
      if (this.autopilot) {
        const dx = this.autopilot.x - this.local.pose.x;
        const dz = this.autopilot.z - this.local.pose.z;
        if (Math.hypot(dx, dz) < 0.3) this.autopilot = undefined;
        // Steer as a player would: forward, with a yaw that points at the target.
        else this.local.step({ forward: 1, right: 0, run: true }, Math.atan2(-dz, -dx), dt);
      } else {
        this.local.step(this.input.read(), camera.alpha, dt);
      }
      const pose = this.local.pose;
      const move = this.ready ? this.local.takeMove(now) : undefined;
      if (move) room.send(ClientMessage.Move, move);
      this.crowd!.setPose(room.sessionId, pose, dt);
      this.labels.setAnchor(room.sessionId, pose.x, pose.y + TAG_HEIGHT, pose.z);
      camera.target.set(pose.x, pose.y + 1.4, pose.z);

      if (this.ready && now - this.portalAskedAt > PORTAL_RETRY_MS) {
        const portal = world.portals.find((p) => groundDistance(pose, p.position) <= p.radius);
        if (portal) {
          this.portalAskedAt = now;
          room.send(ClientMessage.Portal, { portalId: portal.id });
        }
      }
    }

    for (const [id, r] of this.remotes) {
      const pose = r.buffer.sample(now);
      if (!pose) continue;
      r.pose = pose;
      this.crowd!.setPose(id, pose, dt);
      this.labels.setAnchor(id, pose.x, pose.y + TAG_HEIGHT, pose.z);
    }

    this.crowd!.flush();
    if (this.chat) {
      this.drawBubbles(now);
      this.chatView.draw(this.chat, now);
    }
    this.labels.update(built.scene, this.engine.getRenderWidth(), this.engine.getRenderHeight());

    if (now - this.hudAt > HUD_INTERVAL_MS) {
      this.hudAt = now;
      this.dom.hud.players.textContent = String(room.state.population ?? 0);
      this.dom.hud.ping.textContent = this.ping ? `${Math.round(this.ping)} ms` : '–';
      this.dom.hud.fps.textContent = String(Math.round(this.engine.getFps()));
    }
  }

  private drawBubbles(now: number): void {
    const active = new Map(this.chat!.activeBubbles(now).map((b) => [b.entry.sessionId, b]));
    const all = this.localAvatar ? [[this.room!.sessionId, this.localAvatar] as const, ...this.remotes] : [...this.remotes];
    for (const [sessionId, r] of all) {
      const b = active.get(sessionId);
      const key = b ? `${b.entry.id}|${b.entry.sentiment?.label ?? ''}|${b.entry.segments.length}|${b.entry.status}` : '';
      if (key !== r.drawn) {
        r.drawn = key;
        r.bubble.hidden = !b;
        if (b) renderBubble(r.bubble, b.entry);
      }
      if (b) r.bubble.style.opacity = b.opacity.toFixed(2);
    }
  }

  private makeAvatar(id: string, name: string, color: string): Remote {
    this.crowd!.add(id, color);
    const tag = document.createElement('div');
    tag.className = 'tag';
    tag.dataset.session = id;
    const bubble = document.createElement('div');
    bubble.className = 'bubble';
    bubble.hidden = true;
    const nameEl = document.createElement('span');
    nameEl.className = 'name';
    nameEl.textContent = name;
    nameEl.style.borderColor = color;
    tag.append(bubble, nameEl);
    this.labels.add(id, tag);
    return { buffer: new SnapshotBuffer(), tag, bubble, drawn: '' };
  }

  private dropAvatar(id: string): void {
    this.crowd!.remove(id);
    this.labels.remove(id);
    this.remotes.delete(id);
  }

  /** Start behind the player, looking towards the middle of the world. */
  private aimCameraInward(x: number, z: number): void {
    if (Math.hypot(x, z) < 6) return; // at the centre already: keep the world's chosen view
    this.built!.camera.alpha = Math.atan2(z, x);
  }

  private showBanner(text: string | undefined): void {
    this.dom.banner.hidden = !text;
    this.dom.banner.textContent = text ?? '';
  }

  /** The visit is over: stop drawing and let go of the page's chat elements. */
  private end(): void {
    this.engine.stopRenderLoop();
    this.chatView.dispose();
  }

  private teardown(): void {
    clearInterval(this.pingTimer);
    this.ready = false;
    this.chat = undefined;
    this.labels.clear();
    this.remotes.clear();
    this.local = undefined;
    this.localAvatar = undefined;
    this.autopilot = undefined;
    this.built?.scene.dispose();
    this.built = undefined;
    this.crowd = undefined;
    this.room = undefined;
    this.showBanner(undefined);
    this.dom.chat.log.replaceChildren();
  }
}
