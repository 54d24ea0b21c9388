/**
 * The moderator HTTP API and the socket.io feed, on a real server with a real
 * database (PGlite and PostgreSQL): auth (login, lockout, rate limit, expiry,
 * logout), roles, every action, cursor pagination, validation errors, and
 * the feed with catch-up after a reconnect.
 */
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEED_NAMESPACE, type AuditEntry, type CommentPage, type CommentView, type FeedEvent, type SanctionView } from '../../shared/src/index.js';
import { startTestServer, waitFor, type TestServer } from './helpers.js';
import { DATABASE_KINDS, api, createTestDatabase, login, type TestDatabase } from './moderationHelpers.js';

const ADMIN = { login: 'root-admin', password: 'a long admin password' };
const MOD = { login: 'mod.one', password: 'a long moderator password' };

describe.each(DATABASE_KINDS)('moderator API on %s', (kind) => {
  let db: TestDatabase;
  let t: TestServer;
  let adminToken: string;
  let modToken: string;
  const call = <T = Record<string, unknown>>(method: string, path: string, options: Parameters<typeof api>[3] = {}) => api<T>(t.endpoint, method, path, options);

  /** Stores comments the way the chat pipeline does, oldest first, a millisecond apart. */
  async function seed(n: number, base: Partial<{ worldId: string; name: string; text: string }> = {}): Promise<string[]> {
    const ids: string[] = [];
    const start = Date.now() - 60_000;
    for (let i = 0; i < n; i++) {
      const id = crypto.randomUUID();
      await t.moderation!.service.receive({
        id,
        worldId: base.worldId ?? 'plaza',
        roomId: 'room-x',
        sessionId: `s${i}`,
        name: base.name ?? `Player ${i % 3}`,
        text: base.text ?? `comment number ${i}`,
        createdAt: new Date(start + i),
      });
      ids.push(id);
    }
    return ids;
  }

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await startTestServer(
      { ...db.env, MODERATOR_LOGIN_MAX_FAILURES: '3', MODERATOR_LOGIN_RATE_PER_MINUTE: '1000', AUTOMOD_BLOCKED_TERMS: 'forbiddenword' },
      { moderation: true },
    );
    await t.moderation!.auth.createModerator(ADMIN.login, ADMIN.password, 'admin');
    adminToken = await login(t.endpoint, ADMIN.login, ADMIN.password);
    const created = await call('POST', '/moderators', { token: adminToken, body: { ...MOD, role: 'moderator' } });
    expect(created.status).toBe(201);
    modToken = await login(t.endpoint, MOD.login, MOD.password);
  });
  afterAll(async () => {
    await t?.stop();
    await db?.drop();
  });

  describe('auth', () => {
    it('refuses every route without a valid session, and players have no way in', async () => {
      for (const [method, path] of [
        ['GET', '/comments'],
        ['GET', '/me'],
        ['POST', '/comments/x/approve'],
        ['POST', '/players/mute'],
        ['GET', '/audit'],
        ['GET', '/mood'],
      ] as const) {
        const res = await call(method, path);
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.body.error).toBe('unauthorized');
        expect((await call(method, path, { token: 'not-a-token' })).status).toBe(401);
      }
    });

    it('logs in, says who you are, and logs out (the token then stops working)', async () => {
      const token = await login(t.endpoint, MOD.login, MOD.password);
      const me = await call<{ moderator: { login: string; role: string } }>('GET', '/me', { token });
      expect(me.status).toBe(200);
      expect(me.body.moderator).toMatchObject({ login: MOD.login, role: 'moderator' });
      expect((await call('POST', '/logout', { token })).status).toBe(200);
      expect((await call('GET', '/me', { token })).status).toBe(401);
    });

    it('rejects bad credentials without saying which part was wrong, and bad bodies with a reason', async () => {
      const wrong = await call('POST', '/login', { body: { login: 'nobody', password: 'whatever-long' } });
      expect(wrong.status).toBe(401);
      expect(wrong.body.message).toBe('wrong login or password');
      const missing = await call('POST', '/login', { body: { login: 'x' } });
      expect(missing.status).toBe(400);
      expect(missing.body.message).toMatch(/password/);
      const notJson = await call('POST', '/login', { rawBody: '{nope' });
      expect(notJson.status).toBe(400);
      expect(notJson.body.error).toBe('bad_request');
    });

    it('locks an account after repeated failures, even for the right password', async () => {
      await t.moderation!.auth.createModerator('lock.me', 'the right password', 'moderator');
      for (let i = 0; i < 2; i++) expect((await call('POST', '/login', { body: { login: 'lock.me', password: 'wrong password' } })).status).toBe(401);
      const locked = await call('POST', '/login', { body: { login: 'lock.me', password: 'wrong password' } });
      expect(locked.status).toBe(423);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      const right = await call('POST', '/login', { body: { login: 'lock.me', password: 'the right password' } });
      expect(right.status).toBe(423);
      expect(right.body.error).toBe('locked');
    });

    it('expires sessions', async () => {
      const { prisma } = t.moderation!.db;
      const token = await login(t.endpoint, MOD.login, MOD.password);
      expect((await call('GET', '/me', { token })).status).toBe(200);
      await prisma.moderatorSession.updateMany({ where: { moderator: { login: MOD.login }, revokedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
      expect((await call('GET', '/me', { token })).status).toBe(401);
      modToken = await login(t.endpoint, MOD.login, MOD.password);
    });

    it('keeps admin-only routes from moderators', async () => {
      expect((await call('GET', '/audit', { token: modToken })).status).toBe(403);
      expect((await call('POST', '/players/ban', { token: modToken, body: { name: 'Zed', minutes: 5 } })).status).toBe(403);
      expect((await call('POST', '/moderators', { token: modToken, body: { login: 'sneaky', password: 'long enough pass', role: 'admin' } })).status).toBe(403);
      expect((await call('DELETE', '/sanctions/1', { token: modToken })).status).toBe(403);
    });
  });

  describe('comments', () => {
    it('pages through a search with a cursor, newest first, each comment once', async () => {
      const ids = await seed(25, { worldId: 'harbour', name: 'Pager' });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: CommentPage } = await call<CommentPage>('GET', `/comments?world=harbour&author=pager&limit=10${cursor ? `&cursor=${cursor}` : ''}`, { token: modToken });
        expect(res.status).toBe(200);
        seen.push(...res.body.comments.map((c) => c.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
    });

    it('filters by status, sentiment, text and time', async () => {
      const [a, b] = await seed(2, { worldId: 'forest', name: 'Filter', text: 'unique needle here' });
      await t.moderation!.service.applyTag(a!, { sentiment: { label: 'negative', positive: 0.3 } }, () => undefined);
      const neg = await call<CommentPage>('GET', '/comments?world=forest&sentiment=negative', { token: modToken });
      expect(neg.body.comments.map((c) => c.id)).toEqual([a]);
      const untagged = await call<CommentPage>('GET', '/comments?world=forest&sentiment=untagged&q=NEEDLE', { token: modToken });
      expect(untagged.body.comments.map((c) => c.id)).toEqual([b]);
      const byStatus = await call<CommentPage>('GET', '/comments?world=forest&status=visible,held', { token: modToken });
      expect(byStatus.body.comments.map((c) => c.id)).toEqual([a]);
      const future = await call<CommentPage>(`GET`, `/comments?world=forest&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, { token: modToken });
      expect(future.body.comments).toEqual([]);
    });

    it('answers bad queries with the reason', async () => {
      for (const [query, reason] of [
        ['status=lost', /status/],
        ['world=mars', /world must be one of/],
        ['limit=0', /limit/],
        ['from=yesterday', /ISO 8601/],
        ['cursor=garbage', /cursor/],
        ['color=red', /Unrecognized key/],
      ] as const) {
        const res = await call('GET', `/comments?${query}`, { token: modToken });
        expect(res.status, query).toBe(400);
        expect(res.body.message, query).toMatch(reason);
      }
    });

    it('holds a blocked term, then approves, hides, restores and denies by the rules, auditing each', async () => {
      const [held] = await seed(1, { text: 'this has a ForbiddenWord in it', name: 'Rulebreaker' });
      const got = await call<{ comment: CommentView }>('GET', `/comments/${held}`, { token: modToken });
      expect(got.body.comment).toMatchObject({ status: 'held', reason: 'blocked term "forbiddenword"' });

      const approve = await call<{ comment: CommentView }>('POST', `/comments/${held}/approve`, { token: modToken, body: { reason: 'context is fine' } });
      expect(approve.status).toBe(200);
      expect(approve.body.comment.status).toBe('visible');
      const again = await call('POST', `/comments/${held}/approve`, { token: modToken, body: {} });
      expect(again.status).toBe(409);
      expect(again.body.message).toMatch(/cannot approve a comment that is visible/);

      expect((await call<{ comment: CommentView }>('POST', `/comments/${held}/hide`, { token: modToken })).body.comment.status).toBe('hidden');
      expect((await call<{ comment: CommentView }>('POST', `/comments/${held}/restore`, { token: modToken })).body.comment.status).toBe('visible');
      expect((await call('POST', `/comments/${held}/deny`, { token: modToken })).status).toBe(409);

      const [other] = await seed(1, { text: 'another forbiddenword' });
      expect((await call<{ comment: CommentView }>('POST', `/comments/${other}/deny`, { token: modToken, body: { reason: 'no' } })).body.comment.status).toBe('denied');
      expect((await call('POST', `/comments/${crypto.randomUUID()}/approve`, { token: modToken })).status).toBe(404);
      expect((await call('POST', `/comments/${other}/approve`, { token: modToken, body: { reason: 5 } })).status).toBe(400);

      const audit = await call<{ entries: AuditEntry[] }>('GET', '/audit?limit=20', { token: adminToken });
      const actions = audit.body.entries.filter((e) => e.commentId === held || e.commentId === other).map((e) => `${e.action} ${e.moderator ?? 'automod'}`);
      expect(actions).toEqual([
        `comment.deny ${MOD.login}`,
        'automod.hold automod',
        `comment.restore ${MOD.login}`,
        `comment.hide ${MOD.login}`,
        `comment.approve ${MOD.login}`,
        'automod.hold automod',
      ]);
    });

    it('pages the audit log with a cursor', async () => {
      const first = await call<{ entries: AuditEntry[]; nextCursor: number | null }>('GET', '/audit?limit=2', { token: adminToken });
      expect(first.body.entries).toHaveLength(2);
      const second = await call<{ entries: AuditEntry[] }>('GET', `/audit?limit=2&cursor=${first.body.nextCursor}`, { token: adminToken });
      expect(second.body.entries[0]!.id).toBeLessThan(first.body.entries[1]!.id);
    });

    it('reports each world\'s mood over time', async () => {
      const res = await call<{ points: Array<{ worldId: string; positive: number; comments: number }> }>('GET', '/mood?world=forest&hours=1&bucketMinutes=60', { token: modToken });
      expect(res.status).toBe(200);
      expect(res.body.points).toEqual([expect.objectContaining({ worldId: 'forest', positive: 0.3, comments: 1 })]);
    });
  });

  describe('players', () => {
    it('mutes (moderator), bans (admin), lists and lifts sanctions, with clear validation errors', async () => {
      const mute = await call<{ sanction: SanctionView }>('POST', '/players/mute', { token: modToken, body: { name: 'Loud Larry', minutes: 10, reason: 'spam' } });
      expect(mute.status).toBe(201);
      expect(mute.body.sanction).toMatchObject({ kind: 'mute', name: 'Loud Larry', moderator: MOD.login });
      expect(await t.moderation!.service.activeSanction('mute', 'loud larry')).toBeDefined();
      const ban = await call<{ sanction: SanctionView }>('POST', '/players/ban', { token: adminToken, body: { name: 'Bad Bob', minutes: 60 } });
      expect(ban.status).toBe(201);
      const list = await call<{ sanctions: SanctionView[] }>('GET', '/sanctions', { token: modToken });
      expect(list.body.sanctions.map((s) => s.name).sort()).toEqual(['Bad Bob', 'Loud Larry']);
      const lifted = await call<{ sanction: SanctionView }>('DELETE', `/sanctions/${mute.body.sanction.id}`, { token: adminToken });
      expect(lifted.body.sanction.liftedAt).not.toBeNull();
      expect(await t.moderation!.service.activeSanction('mute', 'Loud Larry')).toBeUndefined();
      expect((await call('DELETE', `/sanctions/${mute.body.sanction.id}`, { token: adminToken })).status).toBe(409);
      expect((await call('DELETE', '/sanctions/999999', { token: adminToken })).status).toBe(404);
      expect((await call('DELETE', '/sanctions/abc', { token: adminToken })).status).toBe(400);

      for (const body of [{ name: 'X', minutes: 0 }, { name: '', minutes: 5 }, { name: 'X', minutes: 1.5 }, { name: 'X' }, { name: 'X', minutes: 5, extra: 1 }]) {
        const res = await call('POST', '/players/mute', { token: modToken, body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error).toBe('bad_request');
      }
      expect((await call('POST', '/players/kick', { token: modToken, body: { name: 'Anyone' } })).status).toBe(200);
    });

    it('creates moderators only with valid input and a free login', async () => {
      expect((await call('POST', '/moderators', { token: adminToken, body: { login: 'ab', password: 'long enough pass', role: 'moderator' } })).status).toBe(400);
      expect((await call('POST', '/moderators', { token: adminToken, body: { login: 'newbie', password: 'short', role: 'moderator' } })).status).toBe(400);
      expect((await call('POST', '/moderators', { token: adminToken, body: { login: 'newbie', password: 'long enough pass', role: 'boss' } })).status).toBe(400);
      expect((await call('POST', '/moderators', { token: adminToken, body: { login: MOD.login, password: 'long enough pass', role: 'moderator' } })).status).toBe(409);
    });
  });

  describe('socket.io feed', () => {
    const connect = (auth: Record<string, unknown>) =>
      io(`${t.endpoint}${FEED_NAMESPACE}`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });

    it('refuses a connection without a moderator session', async () => {
      const socket = connect({ token: 'nope' });
      const error = await new Promise<Error>((resolve) => socket.on('connect_error', resolve));
      expect(error.message).toMatch(/unauthorized/);
      socket.close();
    });

    it('pushes new, held and acted-on comments live, and catches up from the last event id after a reconnect', async () => {
      const events: FeedEvent[] = [];
      let socket: Socket = connect({ token: modToken, lastEventId: Number.MAX_SAFE_INTEGER });
      socket.on('event', (e: FeedEvent) => events.push(e));
      await new Promise((resolve) => socket.on('caught-up', resolve));
      expect(events).toEqual([]);

      const [id] = await seed(1, { text: 'live forbiddenword' });
      await waitFor('new and held events', () => events.some((e) => e.type === 'comment.new' && e.comment?.id === id) && events.some((e) => e.type === 'comment.held' && e.comment?.id === id));
      const lastSeen = events[events.length - 1]!.id;
      socket.close();

      // While disconnected: a moderator acts, a new comment arrives.
      await call('POST', `/comments/${id}/approve`, { token: adminToken });
      const [later] = await seed(1, { text: 'while you were away' });

      const missed: FeedEvent[] = [];
      socket = connect({ token: modToken, lastEventId: lastSeen });
      socket.on('event', (e: FeedEvent) => missed.push(e));
      await new Promise((resolve) => socket.on('caught-up', resolve));
      expect(missed.map((e) => `${e.type} ${e.comment?.id}`)).toEqual([`comment.updated ${id}`, `comment.new ${later}`]);
      expect(missed[0]!.comment!.status).toBe('visible');
      expect(missed.every((e, i) => e.id > lastSeen && (i === 0 || e.id > missed[i - 1]!.id))).toBe(true);

      // And live again after catching up.
      await call('POST', `/comments/${later}/hide`, { token: modToken });
      await waitFor('the live hide', () => missed.find((e) => e.comment?.id === later && e.comment?.status === 'hidden'));
      socket.close();
    });

    it("with lastEventId 'latest' replays nothing and says the id to resume from", async () => {
      const [id] = await seed(1, { text: 'before the dashboard loaded' });
      const newest = (await t.moderation!.service.eventsAfter(0, 100_000)).at(-1)!.id;
      const events: FeedEvent[] = [];
      const socket = connect({ token: modToken, lastEventId: 'latest' });
      socket.on('event', (e: FeedEvent) => events.push(e));
      const caughtUp = await new Promise<{ lastEventId: number }>((resolve) => socket.on('caught-up', resolve));
      expect(caughtUp.lastEventId).toBe(newest);
      expect(events).toEqual([]);
      await call('POST', `/comments/${id}/hide`, { token: modToken });
      const live = await waitFor('the live hide', () => events.find((e) => e.comment?.id === id));
      expect(live.id).toBeGreaterThan(newest);
      socket.close();
    });

    it('ends the feed when the session expires', async () => {
      const token = await login(t.endpoint, MOD.login, MOD.password);
      const { prisma } = t.moderation!.db;
      const socket = connect({ token, lastEventId: Number.MAX_SAFE_INTEGER });
      await new Promise((resolve) => socket.on('caught-up', resolve));
      // Sessions are checked at connect; a session that expired since is refused on the next connect.
      await prisma.moderatorSession.updateMany({ where: { revokedAt: null, expiresAt: { gt: new Date() }, moderator: { login: MOD.login } }, data: { expiresAt: new Date(Date.now() - 1) } });
      socket.close();
      const again = connect({ token });
      const error = await new Promise<Error>((resolve) => again.on('connect_error', resolve));
      expect(error.message).toMatch(/unauthorized/);
      again.close();
      modToken = await login(t.endpoint, MOD.login, MOD.password);
    });
  });
});
