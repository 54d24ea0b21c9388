/** Server-side movement rules: finite numbers are checked by validation; here, speed and bounds. */
import { clampToBounds, type Vec3, type WorldDefinition } from '../../../shared/src/index.js';

/** Allowance over the speed limit for network jitter (ratio, and metres). */
const SPEED_TOLERANCE = 1.25;
const DISTANCE_SLACK = 0.5;
/** Moves arriving in a burst are judged over at least this much time. */
const MIN_INTERVAL_S = 0.05;

export interface MoveOutcome {
  position: Vec3;
  /** Set when the requested position was changed; the client is told. */
  correction?: 'speed' | 'bounds';
}

/**
 * Where a player asking to go from `from` to `to`, `elapsedS` seconds after
 * its last accepted move, is allowed to be.
 */
export function applyMove(world: WorldDefinition, from: Vec3, to: Vec3, elapsedS: number): MoveOutcome {
  const maxDistance = world.speedLimit * Math.max(elapsedS, MIN_INTERVAL_S) * SPEED_TOLERANCE + DISTANCE_SLACK;
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const dz = to.z - from.z;
  const distance = Math.hypot(dx, dy, dz);
  let target = to;
  let correction: MoveOutcome['correction'];
  if (distance > maxDistance) {
    const k = maxDistance / distance;
    target = { x: from.x + dx * k, y: from.y + dy * k, z: from.z + dz * k };
    correction = 'speed';
  }
  const bounded = clampToBounds(target, world.bounds);
  if (bounded.clamped) correction ??= 'bounds';
  return correction ? { position: bounded.position, correction } : { position: bounded.position };
}
