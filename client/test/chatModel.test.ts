import { describe, expect, it } from 'vitest';
import { BUBBLE_SHOW_MS, ChatModel, badgeFor, bubbleOpacity } from '../src/logic/chatModel.js';
import type { ChatBubble } from '../../shared/src/messages.js';

const bubble = (id: string, sessionId: string, text: string): ChatBubble => ({ id, sessionId, name: sessionId.toUpperCase(), text, sentAt: 0 });

describe('ChatModel', () => {
  it('logs comments and keeps the latest bubble per speaker', () => {
    const chat = new ChatModel('me');
    chat.onChat(bubble('1', 'ann', 'hi'), 0);
    chat.onChat(bubble('2', 'ann', 'hello again'), 10);
    chat.onChat(bubble('3', 'me', 'hey'), 20);
    chat.onChat(bubble('3', 'me', 'hey'), 20); // duplicate delivery
    expect(chat.log.map((e) => e.id)).toEqual(['1', '2', '3']);
    expect(chat.log[2]!.own).toBe(true);
    const shown = chat.activeBubbles(30).map((b) => b.entry.text);
    expect(shown.sort()).toEqual(['hello again', 'hey']);
  });

  it('puts the badge and the filled words on the bubble when the tag arrives, even before it', () => {
    const chat = new ChatModel('me');
    chat.onChat(bubble('1', 'ann', 'this is ___'), 0);
    const v = chat.version;
    chat.onTag({ id: '1', sentiment: { label: 'positive', positive: 0.9 }, filled: { text: 'this is great', gaps: [{ index: 0, token: 'great', score: 0.5 }] } });
    expect(chat.version).toBeGreaterThan(v);
    const entry = chat.activeBubbles(1)[0]!.entry;
    expect(entry.sentiment?.label).toBe('positive');
    expect(entry.segments).toContainEqual({ text: 'great', filled: true });

    chat.onTag({ id: '2', sentiment: { label: 'negative', positive: 0.1 } });
    chat.onChat(bubble('2', 'bob', 'meh'), 2);
    expect(chat.log.find((e) => e.id === '2')!.sentiment?.label).toBe('negative');
  });

  it('fades bubbles out and then forgets them', () => {
    const chat = new ChatModel('me');
    chat.onChat(bubble('1', 'ann', 'hi'), 0);
    expect(chat.activeBubbles(1000)[0]!.opacity).toBe(1);
    const fading = chat.activeBubbles(BUBBLE_SHOW_MS - 100)[0]!.opacity;
    expect(fading).toBeGreaterThan(0);
    expect(fading).toBeLessThan(1);
    expect(chat.activeBubbles(BUBBLE_SHOW_MS + 1)).toEqual([]);
    expect(bubbleOpacity(0, BUBBLE_SHOW_MS)).toBe(0);
  });

  it('removes a hidden comment from the log and the bubble', () => {
    const chat = new ChatModel('me');
    chat.onChat(bubble('1', 'ann', 'rude'), 0);
    chat.onHidden({ id: '1', reason: 'moderator' });
    expect(chat.log).toEqual([]);
    expect(chat.activeBubbles(1)).toEqual([]);
    chat.onHidden({ id: 'unknown', reason: '' }); // harmless
  });

  it('tells the speaker when their comment is held or denied', () => {
    const chat = new ChatModel('me');
    chat.onChat(bubble('1', 'me', 'grr'), 0);
    chat.onHeld({ id: '1', reason: 'strongly negative' }, 5);
    expect(chat.log[0]!.status).toBe('held');
    expect(chat.activeNotices(6)).toMatchObject([{ kind: 'held', text: expect.stringContaining('held for review (strongly negative)') }]);
    chat.onDenied({ id: '1', reason: 'denied by a moderator' }, 7);
    expect(chat.log).toEqual([]);
    expect(chat.activeNotices(8).map((n) => n.kind)).toEqual(['held', 'denied']);
    expect(chat.activeNotices(60_000)).toEqual([]);
  });

  it('shows chat errors as notices and ignores other errors', () => {
    const chat = new ChatModel('me');
    chat.onError({ code: 'rate_limited', type: 'chat', message: 'too many "chat" messages; slow down' }, 0);
    chat.onError({ code: 'rate_limited', type: 'move', message: 'too many moves' }, 0);
    expect(chat.activeNotices(1).map((n) => n.text)).toEqual(['too many "chat" messages; slow down']);
  });
});

describe('badgeFor', () => {
  it('gives each sentiment a colour class, an icon and words', () => {
    expect(badgeFor({ label: 'positive', positive: 0.87 })).toEqual({ className: 'positive', icon: '☺', label: 'positive sentiment (87%)' });
    expect(badgeFor({ label: 'negative', positive: 0.1 }).label).toBe('negative sentiment (90%)');
    expect(badgeFor({ label: 'neutral', positive: 0.5 }).className).toBe('neutral');
  });
});
