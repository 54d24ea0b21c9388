/**
 * The moderator HTTP API, mounted at /api/moderation. Every route but login
 * needs a moderator session (`Authorization: Bearer <token>`); some need the
 * admin role. Errors are JSON `{ error, message }`.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { COMMENT_STATUSES, MODERATOR_ROLES, WORLD_IDS, describeIssues, type ModeratorRole } from '../../../shared/src/index.js';
import { LoginError, loginName, password, type AuthenticatedModerator, type ModeratorAuth } from './auth.js';
import { BadCursorError, toView } from './commentStore.js';
import { ModerationError, type CommentAction, type ModerationService } from './service.js';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const worldId = z.enum(WORLD_IDS as [string, ...string[]], { error: `world must be one of ${WORLD_IDS.join(', ')}` });
const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time, e.g. 2026-06-01T12:00:00Z' }).transform((s) => new Date(s));
const reason = z.string().trim().max(500, 'reason must be at most 500 characters').optional().transform((s) => s || null);
const playerName = z.string().trim().min(1, 'name is required').max(40);

const searchQuery = z.strictObject({
  world: worldId.optional(),
  status: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(COMMENT_STATUSES, { error: `status must be among ${COMMENT_STATUSES.join(', ')}` })))
    .optional(),
  sentiment: z.enum(['positive', 'neutral', 'negative', 'untagged']).optional(),
  author: z.string().trim().min(1).max(40).optional(),
  q: z.string().trim().min(1).max(200).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});
const actionBody = z.strictObject({ reason });
const loginBody = z.strictObject({ login: z.string().max(64), password: z.string().max(200) });
const sanctionBody = z.strictObject({ name: playerName, minutes: z.number().int().min(1).max(525_600), reason });
const kickBody = z.strictObject({ name: playerName, reason });
const createModeratorBody = z.strictObject({ login: loginName, password, role: z.enum(MODERATOR_ROLES) });
const auditQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.coerce.number().int().min(1).optional() });
const moodQuery = z.strictObject({
  world: worldId.optional(),
  hours: z.coerce.number().min(0.1).max(24 * 90).default(24),
  bucketMinutes: z.coerce.number().int().min(1).max(24 * 60).default(15),
});
const sanctionsQuery = z.strictObject({ kind: z.enum(['mute', 'ban']).optional() });

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw new HttpError(400, 'bad_request', describeIssues(parsed.error));
  return parsed.data;
}

interface Authed {
  moderator: AuthenticatedModerator;
  token: string;
}
const authOf = (res: Response) => res.locals as Authed;

/** Express 5 forwards rejected promises to the error handler; this only keeps handlers short and typed. */
type Handler = (req: Request, res: Response) => Promise<void>;

export function moderationRouter(moderation: ModerationService, auth: ModeratorAuth): Router {
  const router = express.Router();
  router.use(express.json({ limit: '16kb' }));

  const requireRole =
    (role: ModeratorRole) =>
    async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const header = req.get('authorization') ?? '';
      const token = header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
      const moderator = await auth.authenticate(token);
      if (!moderator || !token) throw new HttpError(401, 'unauthorized', 'log in as a moderator first (Authorization: Bearer <token>)');
      if (role === 'admin' && moderator.role !== 'admin') throw new HttpError(403, 'forbidden', 'this needs the admin role');
      Object.assign(res.locals, { moderator, token } satisfies Authed);
      next();
    };
  const moderator = requireRole('moderator');
  const admin = requireRole('admin');
  const actor = (res: Response) => ({ id: authOf(res).moderator.id, login: authOf(res).moderator.login });

  const login: Handler = async (req, res) => {
    const body = parse(loginBody, req.body);
    const result = await auth.login(body.login, body.password, req.ip ?? req.socket.remoteAddress ?? 'unknown');
    const { expiresAt, ...view } = result.moderator;
    res.json({ token: result.token, expiresAt: expiresAt.toISOString(), moderator: view });
  };
  router.post('/login', login);

  router.post('/logout', moderator, async (_req, res) => {
    await auth.logout(authOf(res).token);
    res.json({ ok: true });
  });

  router.get('/me', moderator, (_req, res) => {
    const { expiresAt, ...view } = authOf(res).moderator;
    res.json({ moderator: view, expiresAt: expiresAt.toISOString() });
  });

  router.get('/comments', moderator, async (req, res) => {
    const q = parse(searchQuery, req.query);
    res.json(
      await moderation.comments.search(
        { worldId: q.world, status: q.status, sentiment: q.sentiment, author: q.author, q: q.q, from: q.from, to: q.to },
        q.limit,
        q.cursor,
      ),
    );
  });

  router.get('/comments/:id', moderator, async (req, res) => {
    const page = await moderation.comments.get(String(req.params.id));
    if (!page) throw new HttpError(404, 'not_found', `no comment ${String(req.params.id)}`);
    res.json({ comment: toView(page) });
  });

  for (const action of ['approve', 'deny', 'hide', 'restore'] as const satisfies readonly CommentAction[]) {
    router.post(`/comments/:id/${action}`, moderator, async (req, res) => {
      const body = parse(actionBody, req.body);
      res.json({ comment: await moderation.act(action, String(req.params.id), actor(res), body.reason) });
    });
  }

  router.post('/players/mute', moderator, async (req, res) => {
    const body = parse(sanctionBody, req.body);
    res.status(201).json({ sanction: await moderation.sanction('mute', body.name, body.minutes, actor(res), body.reason) });
  });
  router.post('/players/kick', moderator, async (req, res) => {
    const body = parse(kickBody, req.body);
    await moderation.kick(body.name, actor(res), body.reason);
    res.json({ ok: true });
  });
  router.post('/players/ban', admin, async (req, res) => {
    const body = parse(sanctionBody, req.body);
    res.status(201).json({ sanction: await moderation.sanction('ban', body.name, body.minutes, actor(res), body.reason) });
  });
  router.get('/sanctions', moderator, async (req, res) => {
    const q = parse(sanctionsQuery, req.query);
    res.json({ sanctions: await moderation.activeSanctions(q.kind) });
  });
  router.delete('/sanctions/:id', admin, async (req, res) => {
    const id = parse(z.coerce.number().int().min(1, 'sanction id must be a positive integer'), req.params.id);
    res.json({ sanction: await moderation.lift(id, actor(res)) });
  });

  router.get('/audit', admin, async (req, res) => {
    const q = parse(auditQuery, req.query);
    res.json(await moderation.auditLog(q.limit, q.cursor));
  });

  router.get('/mood', moderator, async (req, res) => {
    const q = parse(moodQuery, req.query);
    res.json({ points: await moderation.comments.mood(new Date(Date.now() - q.hours * 3_600_000), q.bucketMinutes * 60, q.world) });
  });

  router.post('/moderators', admin, async (req, res) => {
    const body = parse(createModeratorBody, req.body);
    res.status(201).json({ moderator: await auth.createModerator(body.login, body.password, body.role) });
  });

  router.use((req, res) => {
    res.status(404).json({ error: 'not_found', message: `no route ${req.method} ${req.originalUrl}` });
  });

  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof HttpError) {
      res.status(error.status).json({ error: error.code, message: error.message });
    } else if (error instanceof LoginError) {
      if (error.retryAfterSeconds !== undefined) res.set('Retry-After', String(error.retryAfterSeconds));
      const status = error.code === 'bad_credentials' ? 401 : error.code === 'locked' ? 423 : 429;
      res.status(status).json({ error: error.code, message: error.message });
    } else if (error instanceof ModerationError) {
      res.status(error.code === 'not_found' ? 404 : 409).json({ error: error.code, message: error.message });
    } else if (error instanceof BadCursorError) {
      res.status(400).json({ error: 'bad_request', message: error.message });
    } else if (isUniqueViolation(error)) {
      res.status(409).json({ error: 'conflict', message: 'that login is taken' });
    } else if (error instanceof Error && 'status' in error && error.status === 400) {
      // express.json: a body that is not JSON.
      res.status(400).json({ error: 'bad_request', message: error.message });
    } else {
      console.error('[moderation api] request failed:', error);
      res.status(500).json({ error: 'internal_error', message: 'the server could not handle this request' });
    }
  });
  return router;
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'P2002';
}
