/**
 * Moderation in real world rooms with real clients (PGlite here; the API file
 * covers PostgreSQL too): comments are stored before anything else, AutoMod
 * holds, fail-open/fail-closed at the tag deadline, and moderator actions
 * (approve, deny, hide, mute, ban) reaching the players at once.
 * Inference runs with no workers (INFERENCE_WORKERS=0), so tags never come:
 * what is tested here is everything that must work without them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, ServerMessage, type ChatBubble, type ChatModerationEvent, type ErrorEvent } from '../../shared/src/index.js';
import { Inbox, sleep, startTestServer, waitFor, type TestServer, type WorldRoomClient } from './helpers.js';
import { api, createTestDatabase, login, type TestDatabase } from './moderationHelpers.js';

let db: TestDatabase;
let t: TestServer;
let token: string;
const rooms: WorldRoomClient[] = [];

async function pair(worldId: 'plaza' | 'forest', a: string, b: string) {
  const speaker = await t.join({ worldId, name: a });
  const listener = await t.join({ worldId, name: b });
  rooms.push(speaker, listener);
  return { speaker, listener, said: new Inbox(speaker), heard: new Inbox(listener) };
}

beforeAll(async () => {
  db = await createTestDatabase('pglite');
  t = await startTestServer(
    {
      ...db.env,
      AUTOMOD_BLOCKED_TERMS: 'forbiddenword',
      AUTOMOD_TAG_DEADLINE_MS: '50',
      AUTOMOD_WORLDS: JSON.stringify({ forest: { failMode: 'closed' } }),
      CHAT_BURST: '20',
    },
    { moderation: true },
  );
  await t.moderation!.auth.createModerator('admin', 'an admin password', 'admin');
  token = await login(t.endpoint, 'admin', 'an admin password');
});
afterAll(async () => {
  // A kicked room's leave() never settles: do not wait on it for long.
  await Promise.all(rooms.map((r) => Promise.race([r.leave().catch(() => undefined), sleep(1000)])));
  await t?.stop();
  await db?.drop();
});

describe('comments in a world room', () => {
  it('stores a comment before others see it; fail-open shows it untagged at the deadline', async () => {
    const { speaker, said, heard } = await pair('plaza', 'Olive', 'Oscar');
    speaker.send('chat', { text: 'hello plaza' });
    const own = await said.next<ChatBubble>(ServerMessage.Chat);
    const stored = await t.moderation!.service.comments.get(own.id);
    expect(stored).toMatchObject({ text: 'hello plaza', authorName: 'Olive', worldId: 'plaza' });
    const seen = await heard.next<ChatBubble>(ServerMessage.Chat, (b) => b.id === own.id);
    expect(seen.tag).toBeUndefined();
    expect((await t.moderation!.service.comments.get(own.id))!.status).toBe('visible');
    // The speaker does not get their own bubble twice.
    expect(said.all<ChatBubble>(ServerMessage.Chat).filter((b) => b.id === own.id)).toHaveLength(1);
  });

  it('holds a blocked term: the sender is told, others never see it until a moderator approves', async () => {
    const { speaker, said, heard } = await pair('plaza', 'Hank', 'Hazel');
    speaker.send('chat', { text: 'you are a ForbiddenWord' });
    const own = await said.next<ChatBubble>(ServerMessage.Chat);
    const held = await said.next<ChatModerationEvent>(ServerMessage.ChatHeld, (e) => e.id === own.id);
    expect(held.reason).toMatch(/blocked term/);
    speaker.send('chat', { text: 'a later, fine comment' });
    await heard.next<ChatBubble>(ServerMessage.Chat, (b) => b.text === 'a later, fine comment');
    expect(heard.all<ChatBubble>(ServerMessage.Chat).some((b) => b.id === own.id)).toBe(false);

    const approved = await api(t.endpoint, 'POST', `/comments/${own.id}/approve`, { token });
    expect(approved.status).toBe(200);
    const shown = await heard.next<ChatBubble>(ServerMessage.Chat, (b) => b.id === own.id);
    expect(shown.text).toBe('you are a ForbiddenWord');

    await api(t.endpoint, 'POST', `/comments/${own.id}/hide`, { token, body: { reason: 'on second thought' } });
    const hidden = await heard.next<ChatModerationEvent>(ServerMessage.ChatHidden, (e) => e.id === own.id);
    expect(hidden.reason).toBe('on second thought');
    await said.next<ChatModerationEvent>(ServerMessage.ChatHidden, (e) => e.id === own.id);
  });

  it('tells the sender when a held comment is denied', async () => {
    const { speaker, said } = await pair('plaza', 'Dora', 'Dave');
    speaker.send('chat', { text: 'forbiddenword again' });
    const own = await said.next<ChatBubble>(ServerMessage.Chat);
    await said.next(ServerMessage.ChatHeld);
    await api(t.endpoint, 'POST', `/comments/${own.id}/deny`, { token, body: { reason: 'not here' } });
    expect((await said.next<ChatModerationEvent>(ServerMessage.ChatDenied, (e) => e.id === own.id)).reason).toBe('not here');
  });

  it('fail-closed: an untagged comment stays from others until tagged or approved', async () => {
    const { speaker, said, heard } = await pair('forest', 'Fern', 'Finn');
    speaker.send('chat', { text: 'quiet forest' });
    const own = await said.next<ChatBubble>(ServerMessage.Chat);
    speaker.send('chat', { text: 'forbiddenword marker' });
    await said.next(ServerMessage.ChatHeld);
    // Well past the deadline (the held marker came after it was stored), still pending and unseen.
    await waitFor('the deadline to pass', () => Date.now() - own.sentAt > 200, 2000);
    expect((await t.moderation!.service.comments.get(own.id))!.status).toBe('pending');
    expect(heard.all<ChatBubble>(ServerMessage.Chat).some((b) => b.id === own.id)).toBe(false);
    await api(t.endpoint, 'POST', `/comments/${own.id}/approve`, { token });
    await heard.next<ChatBubble>(ServerMessage.Chat, (b) => b.id === own.id);
  });
});

describe('sanctions reach players', () => {
  it('a muted player is refused with a clear error, and nothing is stored', async () => {
    const { speaker, said } = await pair('plaza', 'Mona', 'Milo');
    await api(t.endpoint, 'POST', '/players/mute', { token, body: { name: 'mona', minutes: 5, reason: 'cool down' } });
    speaker.send('chat', { text: 'can anyone hear me' });
    const error = await said.next<ErrorEvent>(ServerMessage.Error, (e) => e.code === ErrorCode.Muted);
    expect(error.message).toMatch(/muted you until .*cool down/);
    const page = await t.moderation!.service.comments.search({ author: 'Mona' }, 10);
    expect(page.comments).toEqual([]);
  });

  it('a ban removes the player at once and refuses them at join', async () => {
    const { speaker } = await pair('plaza', 'Boris', 'Bella');
    const left = new Promise<number>((resolve) => speaker.onLeave((code) => resolve(code)));
    const res = await api(t.endpoint, 'POST', '/players/ban', { token, body: { name: 'Boris', minutes: 60, reason: 'griefing' } });
    expect(res.status).toBe(201);
    expect(await left).toBe(4000);
    await expect(t.join({ worldId: 'forest', name: 'boris' })).rejects.toThrow(/banned until .*griefing/);
  });

  it('a kick removes the player without a ban', async () => {
    const { speaker } = await pair('plaza', 'Kurt', 'Kim');
    const left = new Promise<number>((resolve) => speaker.onLeave((code) => resolve(code)));
    await api(t.endpoint, 'POST', '/players/kick', { token, body: { name: 'Kurt' } });
    expect(await left).toBe(4000);
    rooms.push(await t.join({ worldId: 'plaza', name: 'Kurt' }));
  });
});
