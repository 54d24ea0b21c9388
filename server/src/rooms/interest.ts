/**
 * Interest management: who should see whom. A uniform grid with cells the
 * size of the radius means each player checks only the 9 cells around it,
 * so the cost grows with the neighbours, not with the square of the room.
 */

export interface Positioned {
  id: string;
  x: number;
  z: number;
}

/**
 * For each player, the ids of the players within `radius` on the ground
 * plane (itself included).
 */
export function neighboursWithin(players: readonly Positioned[], radius: number): Map<string, Set<string>> {
  const cell = (v: number) => Math.floor(v / radius);
  const grid = new Map<string, Positioned[]>();
  for (const p of players) {
    const key = `${cell(p.x)},${cell(p.z)}`;
    const bucket = grid.get(key);
    if (bucket) bucket.push(p);
    else grid.set(key, [p]);
  }
  const r2 = radius * radius;
  const result = new Map<string, Set<string>>();
  for (const p of players) {
    const seen = new Set<string>([p.id]);
    const cx = cell(p.x);
    const cz = cell(p.z);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dz = -1; dz <= 1; dz++) {
        for (const q of grid.get(`${cx + dx},${cz + dz}`) ?? []) {
          const ddx = q.x - p.x;
          const ddz = q.z - p.z;
          if (ddx * ddx + ddz * ddz <= r2) seen.add(q.id);
        }
      }
    }
    result.set(p.id, seen);
  }
  return result;
}
