/**
 * The dashboard's pure logic (no DOM): which actions a comment allows, which
 * comments a filter keeps (so live feed events land only where they belong),
 * how login failures and waits read in words, and the keyboard shortcuts.
 */
import type { CommentStatus, CommentView } from '../../shared/src/moderation.js';

export type CommentAction = 'approve' | 'deny' | 'hide' | 'restore';
export const COMMENT_ACTIONS: readonly CommentAction[] = ['approve', 'deny', 'hide', 'restore'];

/** The statuses each action may start from: the same rules as the server's (server/src/moderation/service.ts). */
export const ACTION_FROM: Record<CommentAction, readonly CommentStatus[]> = {
  approve: ['held', 'pending'],
  deny: ['held', 'pending'],
  hide: ['visible', 'pending', 'held'],
  restore: ['hidden', 'denied'],
};

export function canAct(action: CommentAction, status: CommentStatus): boolean {
  return ACTION_FROM[action].includes(status);
}

export interface Shortcut {
  keys: string[];
  does: string;
}

export const SHORTCUTS: Shortcut[] = [
  { keys: ['j', 'k'], does: 'next / previous' },
  { keys: ['a'], does: 'approve' },
  { keys: ['d'], does: 'deny' },
  { keys: ['h'], does: 'hide' },
  { keys: ['r'], does: 'restore' },
  { keys: ['p'], does: 'author' },
  { keys: ['/'], does: 'search' },
];

export const ACTION_KEYS: Record<string, CommentAction> = { a: 'approve', d: 'deny', h: 'hide', r: 'restore' };

export type SentimentFilter = 'positive' | 'neutral' | 'negative' | 'untagged';

/** The search form's values, as the API takes them (`status` may list several). */
export interface Filter {
  world?: string;
  status?: CommentStatus[];
  sentiment?: SentimentFilter;
  author?: string;
  q?: string;
  /** ISO times. */
  from?: string;
  to?: string;
}

/** Query string for GET /api/moderation/comments. */
export function filterQuery(filter: Filter, limit: number, cursor?: string | null): string {
  const params = new URLSearchParams();
  if (filter.world) params.set('world', filter.world);
  if (filter.status?.length) params.set('status', filter.status.join(','));
  if (filter.sentiment) params.set('sentiment', filter.sentiment);
  if (filter.author) params.set('author', filter.author);
  if (filter.q) params.set('q', filter.q);
  if (filter.from) params.set('from', filter.from);
  if (filter.to) params.set('to', filter.to);
  params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}

/** Whether a comment (from the live feed) belongs in a list searched with `filter`; the server's rules, client-side. */
export function matchesFilter(c: CommentView, filter: Filter): boolean {
  if (filter.world && c.worldId !== filter.world) return false;
  if (filter.status?.length && !filter.status.includes(c.status)) return false;
  if (filter.sentiment) {
    if (filter.sentiment === 'untagged' ? c.sentiment !== null : c.sentiment?.label !== filter.sentiment) return false;
  }
  if (filter.author && c.authorName.toLowerCase() !== filter.author.trim().toLowerCase()) return false;
  if (filter.q && !c.text.toLowerCase().includes(filter.q.trim().toLowerCase())) return false;
  const at = Date.parse(c.createdAt);
  if (filter.from && at < Date.parse(filter.from)) return false;
  if (filter.to && at > Date.parse(filter.to)) return false;
  return true;
}

/** "45 seconds", "3 minutes", "1 hour 5 minutes". */
export function describeWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h} hour${h === 1 ? '' : 's'}${m ? ` ${m} minute${m === 1 ? '' : 's'}` : ''}`;
}

/** A failed login in words, from the API's status, error code and Retry-After (seconds). */
export function describeLoginFailure(status: number, retryAfterSeconds: number | null, now = new Date()): string {
  if (status === 401) return 'Wrong login or password.';
  if (status === 423) {
    if (retryAfterSeconds === null) return 'This account is locked after too many failed logins. Try again later.';
    const at = new Date(now.getTime() + retryAfterSeconds * 1000);
    return `This account is locked after too many failed logins. Try again in ${describeWait(retryAfterSeconds)} (at ${clock(at)}).`;
  }
  if (status === 429) {
    return `Too many login attempts from this address. Wait ${retryAfterSeconds === null ? 'a minute' : describeWait(retryAfterSeconds)} and try again.`;
  }
  if (status === 400) return 'Enter a login and a password.';
  if (status === 0) return 'The server cannot be reached. Check the connection and try again.';
  return `The server could not log you in (error ${status}). Try again in a moment.`;
}

export function clock(d: Date): string {
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** "12:04:31" today, "3 Dec 12:04" otherwise. */
export function when(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : `${d.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${clock(d)}`;
}

export const DURATIONS: Array<{ minutes: number; label: string }> = [
  { minutes: 10, label: '10 minutes' },
  { minutes: 60, label: '1 hour' },
  { minutes: 24 * 60, label: '1 day' },
  { minutes: 7 * 24 * 60, label: '1 week' },
  { minutes: 30 * 24 * 60, label: '30 days' },
];
