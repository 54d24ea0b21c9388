/**
 * AutoMod end to end with the real models: a strongly negative comment is held
 * by its sentiment tag (the sender is told, others never see it), a friendly one
 * reaches the others with its badge, and the stored comment carries its tags.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerMessage, type ChatBubble, type ChatModerationEvent, type ChatTag } from '../../shared/src/index.js';
import { Inbox, sleep, startTestServer, type TestServer, type WorldRoomClient } from './helpers.js';
import { createTestDatabase, type TestDatabase } from './moderationHelpers.js';

let db: TestDatabase;
let t: TestServer;
const rooms: WorldRoomClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase('pglite');
  t = await startTestServer(
    {
      ...db.env,
      INFERENCE_WORKERS: '1',
      AUTOMOD_NEGATIVE_THRESHOLD: '0.8',
      // Fail-closed: nobody sees a comment before its tag clears it, so the test cannot race the deadline.
      AUTOMOD_FAIL_MODE: 'closed',
      CHAT_BURST: '10',
    },
    { moderation: true },
  );
});
afterAll(async () => {
  await Promise.all(rooms.map((r) => Promise.race([r.leave().catch(() => undefined), sleep(1000)])));
  await t?.stop();
  await db?.drop();
});

describe('AutoMod with the real sentiment model', () => {
  it('holds a strongly negative comment by its tag and lets a friendly one through with its badge', async () => {
    const speaker = await t.join({ worldId: 'harbour', name: 'Wren' });
    const listener = await t.join({ worldId: 'harbour', name: 'Xavi' });
    rooms.push(speaker, listener);
    const said = new Inbox(speaker);
    const heard = new Inbox(listener);

    speaker.send('chat', { text: 'this is terrible, awful and boring, i hate it, the worst waste of time' });
    const nasty = await said.next<ChatBubble>(ServerMessage.Chat);
    const held = await said.next<ChatModerationEvent>(ServerMessage.ChatHeld, (e) => e.id === nasty.id, 15_000);
    expect(held.reason).toMatch(/negative|sentiment/i);
    const row = await t.moderation!.service.comments.get(nasty.id);
    expect(row).toMatchObject({ status: 'held', sentimentLabel: 'negative' });

    speaker.send('chat', { text: 'what a wonderful, lovely place, i love it here' });
    const nice = await heard.next<ChatBubble>(ServerMessage.Chat, (b) => b.text.startsWith('what a wonderful'), 15_000);
    const badge = nice.tag ?? (await heard.next<ChatTag>(ServerMessage.ChatTag, (tg) => tg.id === nice.id, 15_000));
    expect(badge.sentiment.label).toBe('positive');
    expect(heard.all<ChatBubble>(ServerMessage.Chat).some((b) => b.id === nasty.id)).toBe(false);
  });
});
