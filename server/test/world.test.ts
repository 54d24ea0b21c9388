import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CHAT_MAX_LENGTH,
  ErrorCode,
  ServerMessage,
  WORLDS,
  type ChatBubble,
  type CorrectionEvent,
  type ErrorEvent,
} from '../../shared/src/index.js';
import { Inbox, sleep, startTestServer, waitFor, type TestServer, type WorldRoomClient } from './helpers.js';

let srv: TestServer;
const open: WorldRoomClient[] = [];

beforeAll(async () => {
  srv = await startTestServer({ MOVE_RATE_PER_SECOND: '20', CHAT_BURST: '3', CHAT_RATE_PER_SECOND: '0.1' });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => (r.connection?.isOpen ? r.leave() : undefined)));
});
afterAll(async () => {
  await srv.stop();
});

async function join(name: string, extra: Record<string, unknown> = {}) {
  const room = await srv.join({ worldId: 'plaza', name, ...extra });
  open.push(room);
  return { room, inbox: new Inbox(room) };
}

/** A copy of the player's position (schema objects are live and change under you). */
function position(room: WorldRoomClient, sessionId = room.sessionId) {
  const p = room.state.players.get(sessionId);
  if (!p) throw new Error(`player ${sessionId} not in state`);
  return { x: p.x, y: p.y, z: p.z };
}

const step = (room: WorldRoomClient, x: number, z: number) => room.send('move', { x, y: 0, z, rot: 0, anim: 'walk' });

describe('joining, moving and leaving', () => {
  it('two players see each other join, move and leave', async () => {
    const a = await join('Ana');
    const me = await waitFor('own player', () => a.room.state.players.get(a.room.sessionId));
    expect(me.name).toBe('Ana');
    expect(a.room.state.worldId).toBe('plaza');

    const b = await join('Ben');
    const benInA = await waitFor('Ben in Ana’s state', () => a.room.state.players.get(b.room.sessionId));
    expect(benInA.name).toBe('Ben');
    await waitFor('Ana in Ben’s state', () => b.room.state.players.get(a.room.sessionId));
    expect(a.room.state.population).toBe(2);

    const start = { ...position(a.room) };
    step(a.room, start.x + 0.5, start.z + 0.5);
    await waitFor('Ana’s move seen by Ben', () => {
      const seen = b.room.state.players.get(a.room.sessionId);
      return seen && Math.abs(seen.x - (start.x + 0.5)) < 1e-3 && Math.abs(seen.z - (start.z + 0.5)) < 1e-3;
    });

    await b.room.leave();
    await waitFor('Ben gone from Ana’s state', () => !a.room.state.players.has(b.room.sessionId));
    expect(a.room.state.population).toBe(1);
  });

  it('trims names and suffixes duplicates within a room', async () => {
    const a = await join('  Cleo   Mae ');
    const b = await join('cleo mae');
    expect((await waitFor('Cleo', () => a.room.state.players.get(a.room.sessionId))).name).toBe('Cleo Mae');
    expect((await waitFor('cleo', () => b.room.state.players.get(b.room.sessionId))).name).toBe('cleo mae 2');
  });

  it('refuses bad join options with a clear error', async () => {
    await expect(srv.join({ worldId: 'plaza', name: 'x' })).rejects.toThrow(/at least 2 characters/);
    await expect(srv.join({ worldId: 'plaza', name: '<script>' })).rejects.toThrow(/letters, digits/);
    await expect(srv.join({ worldId: 'plaza', name: 'Dora', color: 'red' })).rejects.toThrow(/#rrggbb/);
    // @ts-expect-error an unknown world is exactly what is being tested
    await expect(srv.join({ worldId: 'moon', name: 'Dora' })).rejects.toThrow(/worldId must be one of plaza, forest, harbour/);
  });
});

describe('movement rules', () => {
  it('clamps a move outside the world bounds and tells the client', async () => {
    const a = await join('Edda');
    await waitFor('own player', () => a.room.state.players.get(a.room.sessionId));
    const me = position(a.room);
    const bounds = WORLDS.plaza.bounds;
    // Teleporting far out is both too fast and out of bounds: first the speed limit applies.
    step(a.room, bounds.maxX + 100, me.z);
    const c1 = await a.inbox.next<CorrectionEvent>(ServerMessage.Correction);
    expect(c1.reason).toBe('speed');
    expect(c1.x).toBeLessThan(me.x + WORLDS.plaza.speedLimit);
    // A small step below the floor is within speed but outside bounds.
    await sleep(100);
    a.room.send('move', { x: c1.x, y: -0.4, z: c1.z, rot: 0, anim: 'walk' });
    const c2 = await a.inbox.next<CorrectionEvent>(ServerMessage.Correction, (c) => c.reason === 'bounds');
    expect(c2.y).toBe(bounds.minY);
    await waitFor('clamped position in state', () => a.room.state.players.get(a.room.sessionId)?.y === bounds.minY);
  });

  it('holds the speed limit over a run of moves', async () => {
    const a = await join('Finn');
    await waitFor('own player', () => a.room.state.players.get(a.room.sessionId));
    const me = position(a.room);
    const x0 = me.x;
    const began = performance.now();
    for (let i = 1; i <= 10; i++) {
      step(a.room, x0 + i * 5, me.z); // 5 m per 60 ms ≈ 83 m/s, ten times the limit
      await sleep(60);
    }
    const elapsed = (performance.now() - began) / 1000;
    await sleep(100);
    const travelled = a.room.state.players.get(a.room.sessionId)!.x - x0;
    expect(travelled).toBeGreaterThan(0);
    expect(travelled).toBeLessThanOrEqual(WORLDS.plaza.speedLimit * 1.25 * (elapsed + 0.1) + 10 * 0.5);
    expect(a.inbox.all<CorrectionEvent>(ServerMessage.Correction).every((c) => c.reason === 'speed')).toBe(true);
  });

  it('rate-limits moves and says so', async () => {
    const a = await join('Gus');
    await waitFor('own player', () => a.room.state.players.get(a.room.sessionId));
    const me = position(a.room);
    for (let i = 0; i < 60; i++) step(a.room, me.x, me.z);
    const error = await a.inbox.next<ErrorEvent>(ServerMessage.Error);
    expect(error).toMatchObject({ code: ErrorCode.RateLimited, type: 'move' });
    expect(a.inbox.all<ErrorEvent>(ServerMessage.Error)).toHaveLength(1); // one notice, not sixty
  });
});

describe('bad messages', () => {
  it('answers every kind of bad message with an error and keeps serving others', async () => {
    const a = await join('Hana');
    const b = await join('Ivo');
    await waitFor('Hana sees Ivo', () => a.room.state.players.get(b.room.sessionId));

    const bad: Array<[string, unknown, ErrorCode]> = [
      ['move', { x: Number.NaN, y: 0, z: 0, rot: 0, anim: 'walk' }, ErrorCode.BadPayload],
      ['move', { x: Number.POSITIVE_INFINITY, y: 0, z: 0, rot: 0, anim: 'walk' }, ErrorCode.BadPayload],
      ['move', { x: '1', y: 0, z: 0, rot: 0, anim: 'walk' }, ErrorCode.BadPayload],
      ['move', { x: 1, y: 0, z: 0, rot: 0, anim: 'fly' }, ErrorCode.BadPayload],
      ['move', { x: 1, y: 0, z: 0, rot: 0, anim: 'walk', admin: true }, ErrorCode.BadPayload],
      ['move', 'north', ErrorCode.BadPayload],
      ['move', undefined, ErrorCode.BadPayload],
      ['chat', { text: '   ' }, ErrorCode.BadPayload],
      ['chat', { text: 'x'.repeat(CHAT_MAX_LENGTH + 1) }, ErrorCode.BadPayload],
      ['portal', { portalId: 42 }, ErrorCode.BadPayload],
      ['portal', { portalId: 'nowhere' }, ErrorCode.UnknownPortal],
      ['teleport', { x: 0 }, ErrorCode.UnknownMessage],
    ];
    for (const [type, payload, code] of bad) {
      const before = a.inbox.all(ServerMessage.Error).length;
      a.room.send(type, payload);
      const error = await waitFor(`an error for ${type} ${JSON.stringify(payload)}`, () => a.inbox.all<ErrorEvent>(ServerMessage.Error)[before]);
      expect(error.code, `${type} ${JSON.stringify(payload)}`).toBe(code);
      expect(error.type).toBe(type);
      expect(error.message.length).toBeGreaterThan(0);
    }
    expect(a.inbox.all<ErrorEvent>(ServerMessage.Error).find((e) => e.type === 'chat' && e.message.includes('longer than'))).toBeTruthy();

    // The room still serves both players.
    const ivo = position(b.room);
    step(b.room, ivo.x + 0.3, ivo.z);
    await waitFor('Ivo’s move seen by Hana', () => Math.abs(a.room.state.players.get(b.room.sessionId)!.x - (ivo.x + 0.3)) < 1e-3);
    expect(a.room.connection.isOpen).toBe(true);
  });
});

describe('chat', () => {
  it('broadcasts a comment as a bubble and rate-limits chatter', async () => {
    const a = await join('Jun');
    const b = await join('Kai');
    a.room.send('chat', { text: '  hello plaza  ' });
    const bubble = await b.inbox.next<ChatBubble>(ServerMessage.Chat);
    expect(bubble).toMatchObject({ sessionId: a.room.sessionId, name: 'Jun', text: 'hello plaza' });
    expect(bubble.id).toMatch(/^[0-9a-f-]{36}$/);

    for (let i = 0; i < 5; i++) a.room.send('chat', { text: `spam ${i}` });
    const error = await a.inbox.next<ErrorEvent>(ServerMessage.Error);
    expect(error).toMatchObject({ code: ErrorCode.RateLimited, type: 'chat' });
    await sleep(200);
    // Burst of 3: the first comment and two of the spam got through.
    expect(b.inbox.all<ChatBubble>(ServerMessage.Chat).map((m) => m.text)).toEqual(['hello plaza', 'spam 0', 'spam 1']);
  });
});
