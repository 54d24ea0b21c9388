/** The moderator dashboard's pure logic: action rules, live-event filtering, search queries, login failures in words. */
import { describe, expect, it } from 'vitest';
import type { CommentView } from '../../shared/src/moderation.js';
import { canAct, describeLoginFailure, describeWait, filterQuery, matchesFilter } from '../moderator/model.js';

const comment = (over: Partial<CommentView> = {}): CommentView => ({
  id: 'c1',
  worldId: 'plaza',
  roomId: 'r1',
  authorSessionId: 's1',
  authorName: 'Ann',
  text: 'What a Lovely day',
  filledText: null,
  sentiment: { label: 'positive', positive: 0.93 },
  status: 'visible',
  reason: null,
  createdAt: '2026-06-01T12:00:00.000Z',
  taggedAt: '2026-06-01T12:00:00.100Z',
  ...over,
});

describe('moderator dashboard logic', () => {
  it('allows the actions the server allows', () => {
    expect(canAct('approve', 'held')).toBe(true);
    expect(canAct('deny', 'pending')).toBe(true);
    expect(canAct('approve', 'visible')).toBe(false);
    expect(canAct('hide', 'visible')).toBe(true);
    expect(canAct('hide', 'hidden')).toBe(false);
    expect(canAct('restore', 'denied')).toBe(true);
    expect(canAct('restore', 'held')).toBe(false);
  });

  it('keeps a live comment only in lists whose filter it matches', () => {
    const c = comment();
    expect(matchesFilter(c, {})).toBe(true);
    expect(matchesFilter(c, { world: 'forest' })).toBe(false);
    expect(matchesFilter(c, { status: ['held', 'visible'] })).toBe(true);
    expect(matchesFilter(c, { status: ['held'] })).toBe(false);
    expect(matchesFilter(c, { sentiment: 'positive' })).toBe(true);
    expect(matchesFilter(c, { sentiment: 'untagged' })).toBe(false);
    expect(matchesFilter(comment({ sentiment: null }), { sentiment: 'untagged' })).toBe(true);
    expect(matchesFilter(c, { author: ' ann ' })).toBe(true);
    expect(matchesFilter(c, { author: 'Anna' })).toBe(false);
    expect(matchesFilter(c, { q: 'lovely' })).toBe(true);
    expect(matchesFilter(c, { q: 'awful' })).toBe(false);
    expect(matchesFilter(c, { from: '2026-06-01T11:00:00Z', to: '2026-06-01T13:00:00Z' })).toBe(true);
    expect(matchesFilter(c, { from: '2026-06-01T12:30:00Z' })).toBe(false);
  });

  it('builds the search query the API takes', () => {
    const q = new URLSearchParams(filterQuery({ world: 'forest', status: ['hidden', 'denied'], q: 'a&b', author: 'Bo' }, 30, 'abc'));
    expect(Object.fromEntries(q)).toEqual({ world: 'forest', status: 'hidden,denied', q: 'a&b', author: 'Bo', limit: '30', cursor: 'abc' });
  });

  it('says why a login failed, with the wait', () => {
    const now = new Date('2026-06-01T12:00:00');
    expect(describeLoginFailure(401, null, now)).toBe('Wrong login or password.');
    expect(describeLoginFailure(423, 900, now)).toMatch(/^This account is locked after too many failed logins\. Try again in 15 minutes \(at .+\)\.$/);
    expect(describeLoginFailure(429, 42, now)).toBe('Too many login attempts from this address. Wait 42 seconds and try again.');
    expect(describeLoginFailure(0, null, now)).toMatch(/cannot be reached/);
    expect(describeWait(1)).toBe('1 second');
    expect(describeWait(61)).toBe('2 minutes');
    expect(describeWait(3900)).toBe('1 hour 5 minutes');
  });
});
