import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@colyseus/sdk';
import { ServerMessage, WorldState, type PortalGrantedEvent, type WorldSummary } from '../../shared/src/index.js';
import { WORLD_ROOM } from '../src/rooms/WorldRoom.js';
import { Inbox, sleep, startTestServer, waitFor, type TestServer, type WorldRoomClient } from './helpers.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ RECONNECT_SECONDS: '2', MAX_CLIENTS_PER_ROOM: '3' });
});
afterAll(async () => srv.stop());

async function worlds(): Promise<Record<string, WorldSummary>> {
  const res = await fetch(`${srv.endpoint}/api/worlds`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { worlds: WorldSummary[] };
  return Object.fromEntries(body.worlds.map((w) => [w.id, w]));
}

/** Cut the socket without saying goodbye, as a lost network would. */
function dropConnection(room: WorldRoomClient) {
  room.connection.close();
}

describe('reconnection', () => {
  it('a dropped client comes back automatically as the same player', async () => {
    const a = await srv.join({ worldId: 'harbour', name: 'Lena', color: '#123456' });
    const watcher = await srv.join({ worldId: 'harbour', name: 'Watcher' });
    a.reconnection.minUptime = 0;
    await waitFor('watcher sees Lena', () => watcher.state.players.get(a.sessionId));
    const sessionId = a.sessionId;
    const reconnected = new Promise<void>((resolve) => a.onReconnect(() => resolve()));

    dropConnection(a);
    await waitFor('Lena marked as disconnected', () => watcher.state.players.get(sessionId)?.connected === false);
    await reconnected;

    expect(a.sessionId).toBe(sessionId);
    await waitFor('Lena connected again', () => watcher.state.players.get(sessionId)?.connected === true);
    const lena = watcher.state.players.get(sessionId)!;
    expect(lena).toMatchObject({ name: 'Lena', color: '#123456' });
    // The restored session works: it can still move.
    a.send('move', { x: lena.x + 0.2, y: 0, z: lena.z, rot: 1, anim: 'walk' });
    await waitFor('move after reconnect', () => watcher.state.players.get(sessionId)!.rot === 1);
    await a.leave();
    await watcher.leave();
  });

  it('a client can reconnect with its token within the window, not after it', async () => {
    const a = await srv.join({ worldId: 'harbour', name: 'Milo' });
    a.reconnection.enabled = false;
    const token = a.reconnectionToken;
    dropConnection(a);
    await sleep(300);
    const back = await new Client(srv.endpoint).reconnect(token, WorldState);
    expect(back.sessionId).toBe(a.sessionId);
    await waitFor('own player restored', () => back.state.players.get(back.sessionId)?.name === 'Milo');

    back.reconnection.enabled = false;
    const token2 = back.reconnectionToken;
    dropConnection(back);
    await sleep(2600); // RECONNECT_SECONDS=2
    await expect(new Client(srv.endpoint).reconnect(token2, WorldState)).rejects.toThrow();
  });
});

describe('portals', () => {
  it('switching worlds through a portal keeps name and colour', async () => {
    const a = await srv.join({ worldId: 'forest', name: 'Nora', color: '#abcdef', via: 'plaza-to-forest' });
    const inbox = new Inbox(a);
    await waitFor('own player', () => a.state.players.get(a.sessionId));
    // Too far from the harbour portal (0, -55): refused.
    a.send('portal', { portalId: 'forest-to-harbour' });
    await inbox.next(ServerMessage.Error, (e: { code: string }) => e.code === 'portal_too_far');
    // Arrived 6 m from the portal back to the plaza: walk into it, then use it.
    for (const x of [-50, -51, -52, -53, -54]) {
      a.send('move', { x, y: 0, z: 0, rot: 0, anim: 'walk' });
      await sleep(120);
    }
    a.send('portal', { portalId: 'forest-to-plaza' });
    const grant = await inbox.next<PortalGrantedEvent>(ServerMessage.PortalGranted);
    expect(grant).toEqual({ to: 'plaza', via: 'forest-to-plaza' });

    const me = a.state.players.get(a.sessionId)!;
    const b = await new Client(srv.endpoint).joinOrCreate(WORLD_ROOM, { worldId: grant.to, name: me.name, color: me.color, via: grant.via }, WorldState);
    await a.leave();
    const arrived = await waitFor('player in the plaza', () => b.state.players.get(b.sessionId));
    expect(b.state.worldId).toBe('plaza');
    expect(arrived).toMatchObject({ name: 'Nora', color: '#abcdef' });
    expect(arrived.x).toBeCloseTo(39, 3); // the plaza end of the forest portal
    await b.leave();
  });
});

describe('matchmaking and /api/worlds', () => {
  it('counts players per world across instances and opens a new instance when one is full', async () => {
    const rooms: WorldRoomClient[] = [];
    for (const name of ['Olga', 'Pia', 'Quin', 'Rolf']) rooms.push(await srv.join({ worldId: 'plaza', name }));
    rooms.push(await srv.join({ worldId: 'forest', name: 'Sven' }));
    const plazaInstances = new Set(rooms.slice(0, 4).map((r) => r.roomId));
    expect(plazaInstances.size).toBe(2); // MAX_CLIENTS_PER_ROOM=3

    const counts = await worlds();
    expect(counts.plaza).toMatchObject({ players: 4, instances: 2, name: 'The Plaza' });
    expect(counts.forest).toMatchObject({ players: 1, instances: 1 });
    expect(counts.harbour).toMatchObject({ players: 0 });

    await Promise.all(rooms.map((r) => r.leave()));
    let after = await worlds();
    for (let i = 0; i < 50 && after.plaza!.players > 0; i++) {
      await sleep(50);
      after = await worlds();
    }
    expect(after.plaza!.players).toBe(0);
  });

  it('serves health and JSON errors', async () => {
    const health = await fetch(`${srv.endpoint}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const missing = await fetch(`${srv.endpoint}/api/nothing-here`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found' });
  });
});
