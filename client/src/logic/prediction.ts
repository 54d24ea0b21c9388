/**
 * The local player is predicted: it moves at once on input, under the same
 * bounds and speed limit the server enforces, and snaps to the server's
 * position when a `correction` says the server disagreed. Pure.
 */
import type { CorrectionEvent, MovePayload } from '../../../shared/src/messages.js';
import type { WorldDefinition } from '../../../shared/src/worlds.js';

export interface MoveInput {
  /** -1..1, away from the camera is positive. */
  forward: number;
  /** -1..1, to the camera's right is positive. */
  right: number;
  run: boolean;
}

/** Something solid on the ground the client steers around (a fountain, a lake). */
export interface CircleObstacle {
  x: number;
  z: number;
  radius: number;
}

/** Walking is this fraction of the world's speed limit, running a little under it (the server clamps above). */
const WALK_FRACTION = 0.55;
const RUN_FRACTION = 0.95;
/** Moves go out at most this often, and only when something changed. */
export const MOVE_SEND_INTERVAL_MS = 66;

export class LocalPlayer {
  pose: MovePayload;
  private lastSent: MovePayload | undefined;
  private lastSentAt = -Infinity;

  constructor(
    private readonly world: WorldDefinition,
    start: { x: number; y: number; z: number },
    private readonly obstacles: CircleObstacle[] = [],
  ) {
    this.pose = { x: start.x, y: start.y, z: start.z, rot: 0, anim: 'idle' };
  }

  /**
   * Advance by `dt` seconds. `cameraYaw` is the camera's alpha (Babylon's
   * ArcRotateCamera): the camera sits at angle alpha around the player and looks
   * at it, so "forward" points the other way.
   */
  step(input: MoveInput, cameraYaw: number, dt: number): void {
    const fx = -Math.cos(cameraYaw);
    const fz = -Math.sin(cameraYaw);
    // Left-handed, y up: right of a forward (fx, fz) is (fz, -fx).
    let dx = fx * input.forward + fz * input.right;
    let dz = fz * input.forward - fx * input.right;
    const len = Math.hypot(dx, dz);
    if (len < 1e-3 || dt <= 0) {
      this.pose.anim = 'idle';
      return;
    }
    dx /= Math.max(1, len);
    dz /= Math.max(1, len);
    const speed = this.world.speedLimit * (input.run ? RUN_FRACTION : WALK_FRACTION);
    this.moveTo(this.pose.x + dx * speed * dt, this.pose.z + dz * speed * dt);
    this.pose.rot = Math.atan2(dx, dz);
    this.pose.anim = input.run ? 'run' : 'walk';
  }

  /** The server moved us (out of bounds or too fast): take its word. */
  correct(c: CorrectionEvent): void {
    this.pose.x = c.x;
    this.pose.y = c.y;
    this.pose.z = c.z;
  }

  /** The move to send now, if any: throttled, and only when the pose changed. */
  takeMove(now: number): MovePayload | undefined {
    if (now - this.lastSentAt < MOVE_SEND_INTERVAL_MS) return undefined;
    const p = this.pose;
    const s = this.lastSent;
    if (s && s.x === p.x && s.y === p.y && s.z === p.z && s.rot === p.rot && s.anim === p.anim) return undefined;
    this.lastSent = { ...p };
    this.lastSentAt = now;
    return { ...p };
  }

  private moveTo(x: number, z: number): void {
    const b = this.world.bounds;
    x = Math.min(b.maxX, Math.max(b.minX, x));
    z = Math.min(b.maxZ, Math.max(b.minZ, z));
    // Slide around obstacles: push the point back out to the circle's edge.
    for (const o of this.obstacles) {
      const ox = x - o.x;
      const oz = z - o.z;
      const d = Math.hypot(ox, oz);
      if (d < o.radius) {
        const k = d > 1e-6 ? o.radius / d : 1;
        x = o.x + (d > 1e-6 ? ox * k : o.radius);
        z = o.z + (d > 1e-6 ? oz * k : 0);
      }
    }
    this.pose.x = x;
    this.pose.z = z;
  }
}
