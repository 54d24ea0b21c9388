import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORLDS } from '../../shared/src/index.js';
import { neighboursWithin } from '../src/rooms/interest.js';
import { sleep, startTestServer, waitFor, type TestServer, type WorldRoomClient } from './helpers.js';

describe('neighboursWithin', () => {
  it('finds exactly the players within the radius, across grid cells', () => {
    const players = [
      { id: 'a', x: 0, z: 0 },
      { id: 'b', x: 9.9, z: 0 }, // other cell, inside radius
      { id: 'c', x: 10.1, z: 0 }, // just outside
      { id: 'd', x: -7, z: -7 }, // diagonal, inside (9.9 m)
      { id: 'e', x: 500, z: 500 },
    ];
    const near = neighboursWithin(players, 10);
    expect([...near.get('a')!].sort()).toEqual(['a', 'b', 'd']);
    expect([...near.get('e')!]).toEqual(['e']);
    expect(near.get('b')!.has('c')).toBe(true);
  });

  it('agrees with a brute-force check on random crowds', () => {
    const players = Array.from({ length: 300 }, (_, i) => ({ id: String(i), x: Math.random() * 200 - 100, z: Math.random() * 200 - 100 }));
    const near = neighboursWithin(players, 17);
    for (const p of players) {
      const expected = players.filter((q) => Math.hypot(q.x - p.x, q.z - p.z) <= 17).map((q) => q.id).sort();
      expect([...near.get(p.id)!].sort()).toEqual(expected);
    }
  });
});

describe('interest management in a room', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ INTEREST_RADIUS: '20' });
  });
  afterAll(async () => srv.stop());

  async function walk(room: WorldRoomClient, to: { x: number; z: number }) {
    // 1 m steps every 100 ms: 10 m/s is within the plaza's limit plus tolerance.
    for (;;) {
      const me = room.state.players.get(room.sessionId)!;
      const dx = to.x - me.x;
      const dz = to.z - me.z;
      const d = Math.hypot(dx, dz);
      if (d < 0.01) return;
      const k = Math.min(1, d) / d;
      const target = { x: me.x + dx * k, z: me.z + dz * k };
      room.send('move', { x: target.x, y: 0, z: target.z, rot: 0, anim: 'walk' });
      await waitFor('step applied', () => {
        const p = room.state.players.get(room.sessionId)!;
        return Math.abs(p.x - target.x) < 1e-3 && Math.abs(p.z - target.z) < 1e-3;
      });
      await sleep(100);
    }
  }

  it('hides far players, shows them when they come near, and hides them again', async () => {
    // Arriving through the forest portal puts the player at the plaza's east edge, far from the spawn.
    const near = await srv.join({ worldId: 'plaza', name: 'Spawner' });
    const far = await srv.join({ worldId: 'plaza', name: 'Arrival', via: 'forest-to-plaza' });
    await waitFor('both own players', () => near.state.players.get(near.sessionId) && far.state.players.get(far.sessionId));
    await sleep(200);
    expect(near.state.population).toBe(2);
    expect(near.state.players.has(far.sessionId)).toBe(false);
    expect(far.state.players.has(near.sessionId)).toBe(false);
    expect(far.state.players.get(far.sessionId)!.x).toBeCloseTo(WORLDS.forest.portals[0]!.arrival.x, 3);

    // Walk to within 20 m of the spawn: now both see each other.
    await walk(far, { x: 15, z: -8 });
    await waitFor('the arrival appears to the spawner', () => near.state.players.has(far.sessionId));
    await waitFor('the spawner appears to the arrival', () => far.state.players.has(near.sessionId));

    // Walk back out past the radius (and its hysteresis): hidden again.
    await walk(far, { x: 32, z: -8 });
    await waitFor('the arrival disappears for the spawner', () => !near.state.players.has(far.sessionId));
    await near.leave();
    await far.leave();
  });
});
