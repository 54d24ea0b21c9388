/**
 * What the player sees of chat: the log, one speech bubble per speaker, badges
 * as tags arrive, and notices about one's own comments. Fed the server's chat
 * messages; knows nothing of the DOM or the network. Pure: the caller passes
 * the clock.
 */
import type {
  ChatBubble,
  ChatModerationEvent,
  ChatTag,
  ErrorEvent,
  SentimentTag,
} from '../../../shared/src/messages.js';
import { highlightGaps, type Segment } from './gaps.js';

export type ChatStatus = 'shown' | 'held';

export interface ChatEntry {
  id: string;
  sessionId: string;
  name: string;
  text: string;
  /** The text with filled gaps marked; just the text until a tag fills them. */
  segments: Segment[];
  sentiment?: SentimentTag;
  own: boolean;
  status: ChatStatus;
  /** Local time the bubble appeared, ms. */
  shownAt: number;
}

export interface Notice {
  id: number;
  kind: 'held' | 'denied' | 'error';
  text: string;
  at: number;
}

export const BUBBLE_SHOW_MS = 8000;
export const BUBBLE_FADE_MS = 1500;
const LOG_LIMIT = 100;
const NOTICE_MS = 6000;
/** Tags that arrive before their bubble (kept briefly, then dropped). */
const EARLY_TAG_LIMIT = 50;

export class ChatModel {
  /** Changes whenever the log or notices change, so views redraw only then. */
  version = 0;
  readonly log: ChatEntry[] = [];
  private readonly entries = new Map<string, ChatEntry>();
  /** The latest bubble of each speaker, by session id. */
  private readonly bubbles = new Map<string, ChatEntry>();
  private readonly earlyTags = new Map<string, ChatTag>();
  private notices: Notice[] = [];
  private nextNoticeId = 1;

  constructor(private readonly mySessionId: string) {}

  onChat(bubble: ChatBubble, now: number): void {
    if (this.entries.has(bubble.id)) return;
    const entry: ChatEntry = {
      id: bubble.id,
      sessionId: bubble.sessionId,
      name: bubble.name,
      text: bubble.text,
      segments: highlightGaps(bubble.text, undefined),
      own: bubble.sessionId === this.mySessionId,
      status: 'shown',
      shownAt: now,
    };
    this.entries.set(entry.id, entry);
    this.log.push(entry);
    if (this.log.length > LOG_LIMIT) this.entries.delete(this.log.shift()!.id);
    this.bubbles.set(entry.sessionId, entry);
    const tag = bubble.tag ?? this.earlyTags.get(bubble.id);
    this.earlyTags.delete(bubble.id);
    if (tag) this.applyTag(entry, tag);
    this.version++;
  }

  onTag(tag: ChatTag): void {
    const entry = this.entries.get(tag.id);
    if (!entry) {
      this.earlyTags.set(tag.id, tag);
      if (this.earlyTags.size > EARLY_TAG_LIMIT) this.earlyTags.delete(this.earlyTags.keys().next().value!);
      return;
    }
    this.applyTag(entry, tag);
    this.version++;
  }

  /** A moderator hid the comment: it goes from the log and from above the speaker's head. */
  onHidden(event: ChatModerationEvent): void {
    this.remove(event.id);
  }

  onHeld(event: ChatModerationEvent, now: number): void {
    const entry = this.entries.get(event.id);
    if (entry) entry.status = 'held';
    this.notify('held', `Your comment is held for review${reasonSuffix(event.reason)}. Others will see it if a moderator approves it.`, now);
  }

  onDenied(event: ChatModerationEvent, now: number): void {
    this.remove(event.id);
    this.notify('denied', `Your comment was not posted${reasonSuffix(event.reason)}.`, now);
  }

  /** Server errors about chat (too long, too fast) become notices; others are not the chat's business. */
  onError(event: ErrorEvent, now: number): void {
    if (event.type !== 'chat') return;
    this.notify('error', event.message, now);
  }

  /** Bubbles still (at least partly) visible, with their opacity; expired ones are forgotten. */
  activeBubbles(now: number): Array<{ entry: ChatEntry; opacity: number }> {
    const out: Array<{ entry: ChatEntry; opacity: number }> = [];
    for (const [sessionId, entry] of this.bubbles) {
      const opacity = bubbleOpacity(entry.shownAt, now);
      if (opacity <= 0) this.bubbles.delete(sessionId);
      else out.push({ entry, opacity });
    }
    return out;
  }

  activeNotices(now: number): Notice[] {
    const before = this.notices.length;
    this.notices = this.notices.filter((n) => now - n.at < NOTICE_MS);
    if (this.notices.length !== before) this.version++;
    return this.notices;
  }

  private applyTag(entry: ChatEntry, tag: ChatTag): void {
    entry.sentiment = tag.sentiment;
    if (tag.filled) entry.segments = highlightGaps(entry.text, tag.filled);
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    const at = this.log.indexOf(entry);
    if (at >= 0) this.log.splice(at, 1);
    if (this.bubbles.get(entry.sessionId) === entry) this.bubbles.delete(entry.sessionId);
    this.version++;
  }

  private notify(kind: Notice['kind'], text: string, now: number): void {
    this.notices.push({ id: this.nextNoticeId++, kind, text, at: now });
    this.version++;
  }
}

/** 1 while fresh, fading linearly to 0 over the last BUBBLE_FADE_MS. */
export function bubbleOpacity(shownAt: number, now: number): number {
  const age = now - shownAt;
  if (age < BUBBLE_SHOW_MS - BUBBLE_FADE_MS) return 1;
  return Math.max(0, (BUBBLE_SHOW_MS - age) / BUBBLE_FADE_MS);
}

function reasonSuffix(reason: string): string {
  return reason ? ` (${reason})` : '';
}

/** Colour, icon and words for a sentiment badge. */
export function badgeFor(sentiment: SentimentTag): { className: string; icon: string; label: string } {
  const pct = Math.round((sentiment.label === 'negative' ? 1 - sentiment.positive : sentiment.positive) * 100);
  switch (sentiment.label) {
    case 'positive':
      return { className: 'positive', icon: '☺', label: `positive sentiment (${pct}%)` };
    case 'negative':
      return { className: 'negative', icon: '☹', label: `negative sentiment (${pct}%)` };
    default:
      return { className: 'neutral', icon: '•', label: 'neutral sentiment' };
  }
}
