/**
 * The three worlds. One definition serves the server (bounds, speed limit,
 * spawn, portals) and the client (names, look), so both agree by construction.
 */

export type WorldId = 'plaza' | 'forest' | 'harbour';

export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

export interface Bounds {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  minZ: number;
  maxZ: number;
}

export interface Portal {
  id: string;
  /** World this portal leads to. */
  to: WorldId;
  position: Vec3;
  /** A player within this distance (on the ground plane) may use the portal. */
  radius: number;
  /** Where a player arriving through this portal appears in the target world. */
  arrival: Vec3;
}

export interface WorldDefinition {
  id: WorldId;
  name: string;
  description: string;
  bounds: Bounds;
  spawn: Vec3;
  /** Metres per second; movement faster than this is clamped by the server. */
  speedLimit: number;
  portals: Portal[];
  look: { sky: string; ground: string; fog: string };
}

export const WORLDS: Record<WorldId, WorldDefinition> = {
  plaza: {
    id: 'plaza',
    name: 'The Plaza',
    description: 'A sunny town square with a fountain in the middle.',
    bounds: { minX: -50, maxX: 50, minY: 0, maxY: 10, minZ: -50, maxZ: 50 },
    spawn: { x: 0, y: 0, z: -8 },
    speedLimit: 8,
    portals: [
      { id: 'plaza-to-forest', to: 'forest', position: { x: 45, y: 0, z: 0 }, radius: 3, arrival: { x: -49, y: 0, z: 0 } },
      { id: 'plaza-to-harbour', to: 'harbour', position: { x: -45, y: 0, z: 0 }, radius: 3, arrival: { x: 31, y: 0, z: 0 } },
    ],
    look: { sky: '#87ceeb', ground: '#c2b280', fog: '#dfe9f3' },
  },
  forest: {
    id: 'forest',
    name: 'The Forest',
    description: 'Tall pines around a quiet lake.',
    bounds: { minX: -60, maxX: 60, minY: 0, maxY: 20, minZ: -60, maxZ: 60 },
    spawn: { x: 0, y: 0, z: 20 },
    speedLimit: 7,
    portals: [
      { id: 'forest-to-plaza', to: 'plaza', position: { x: -55, y: 0, z: 0 }, radius: 3, arrival: { x: 39, y: 0, z: 0 } },
      { id: 'forest-to-harbour', to: 'harbour', position: { x: 0, y: 0, z: -55 }, radius: 3, arrival: { x: 0, y: 0, z: 31 } },
    ],
    look: { sky: '#9fc5a8', ground: '#3b5d2a', fog: '#a9c2a4' },
  },
  harbour: {
    id: 'harbour',
    name: 'The Harbour',
    description: 'Wooden piers, boats and open water at dusk.',
    bounds: { minX: -40, maxX: 40, minY: 0, maxY: 15, minZ: -40, maxZ: 40 },
    spawn: { x: 0, y: 0, z: 0 },
    speedLimit: 8,
    portals: [
      { id: 'harbour-to-plaza', to: 'plaza', position: { x: 37, y: 0, z: 0 }, radius: 3, arrival: { x: -39, y: 0, z: 0 } },
      { id: 'harbour-to-forest', to: 'forest', position: { x: 0, y: 0, z: 37 }, radius: 3, arrival: { x: 0, y: 0, z: -49 } },
    ],
    look: { sky: '#f4a261', ground: '#6d6875', fog: '#e9c46a' },
  },
};

export const WORLD_IDS = Object.keys(WORLDS) as WorldId[];

/** One world as `GET /api/worlds` lists it (`{ worlds: WorldSummary[] }`). */
export interface WorldSummary {
  id: WorldId;
  name: string;
  description: string;
  /** Players in all instances of this world (across processes when a shared driver is used). */
  players: number;
  instances: number;
}

export function isWorldId(value: unknown): value is WorldId {
  return typeof value === 'string' && Object.hasOwn(WORLDS, value);
}

/** Clamp a position into a world's bounds; `clamped` says whether it moved. */
export function clampToBounds(p: Vec3, b: Bounds): { position: Vec3; clamped: boolean } {
  const position = {
    x: Math.min(b.maxX, Math.max(b.minX, p.x)),
    y: Math.min(b.maxY, Math.max(b.minY, p.y)),
    z: Math.min(b.maxZ, Math.max(b.minZ, p.z)),
  };
  const clamped = position.x !== p.x || position.y !== p.y || position.z !== p.z;
  return { position, clamped };
}

/** Distance on the ground plane (x/z), the one portals and interest use. */
export function groundDistance(a: Vec3, b: Vec3): number {
  return Math.hypot(a.x - b.x, a.z - b.z);
}
