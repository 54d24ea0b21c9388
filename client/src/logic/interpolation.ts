/**
 * Remote players are drawn a little in the past, between two server
 * snapshots, so they move smoothly whatever the patch timing. Pure: the caller
 * passes the clock.
 */

export interface Pose {
  x: number;
  y: number;
  z: number;
  /** Heading in radians. */
  rot: number;
  anim: string;
}

interface Snapshot extends Pose {
  /** Local arrival time, ms. */
  t: number;
}

export interface InterpolationOptions {
  /** How far in the past remote players are drawn; about two patch intervals. */
  delayMs: number;
  /** The server's patch interval; used to restart smoothly after a pause in updates. */
  patchIntervalMs: number;
  /** Snapshots older than this behind the newest are dropped. */
  keepMs: number;
}

export const DEFAULT_INTERPOLATION: InterpolationOptions = { delayMs: 100, patchIntervalMs: 50, keepMs: 1000 };

/** Shortest-path blend of two headings. */
export function lerpAngle(a: number, b: number, f: number): number {
  let d = (b - a) % (Math.PI * 2);
  if (d > Math.PI) d -= Math.PI * 2;
  if (d < -Math.PI) d += Math.PI * 2;
  return a + d * f;
}

export class SnapshotBuffer {
  private readonly snaps: Snapshot[] = [];

  constructor(private readonly options: InterpolationOptions = DEFAULT_INTERPOLATION) {}

  get size(): number {
    return this.snaps.length;
  }

  push(t: number, pose: Pose): void {
    const last = this.snaps[this.snaps.length - 1];
    if (last && t <= last.t) return;
    // After a pause (nobody moved, so no patches) the previous pose held until
    // just before this one: without this anchor the first step would be
    // stretched over the whole pause and look like slow motion.
    if (last && t - last.t > this.options.patchIntervalMs * 2) {
      this.snaps.push({ ...last, t: t - this.options.patchIntervalMs });
    }
    this.snaps.push({ ...pose, t });
    const cutoff = t - this.options.keepMs;
    // Keep at least two so sampling between them still works.
    while (this.snaps.length > 2 && this.snaps[1]!.t < cutoff) this.snaps.shift();
  }

  /** The pose to draw at local time `now`, or undefined before any snapshot. */
  sample(now: number): Pose | undefined {
    const renderAt = now - this.options.delayMs;
    const snaps = this.snaps;
    if (snaps.length === 0) return undefined;
    const first = snaps[0]!;
    if (renderAt <= first.t) return poseOf(first);
    for (let i = snaps.length - 1; i > 0; i--) {
      const a = snaps[i - 1]!;
      const b = snaps[i]!;
      if (renderAt >= a.t && renderAt <= b.t) {
        const f = (renderAt - a.t) / (b.t - a.t);
        return {
          x: a.x + (b.x - a.x) * f,
          y: a.y + (b.y - a.y) * f,
          z: a.z + (b.z - a.z) * f,
          rot: lerpAngle(a.rot, b.rot, f),
          anim: f < 0.5 ? a.anim : b.anim,
        };
      }
    }
    // Past the newest snapshot (late patch): hold it rather than guess.
    return poseOf(snaps[snaps.length - 1]!);
  }
}

function poseOf(s: Snapshot): Pose {
  return { x: s.x, y: s.y, z: s.z, rot: s.rot, anim: s.anim };
}
