/**
 * The one home of comment rows: stored pending before anything else, tags
 * written when they come, status changes, search with cursor pagination,
 * the untagged backlog and the mood series.
 */
import type { ChatTag, CommentPage, CommentStatus, CommentView, MoodPoint, SentimentLabel } from '../../../shared/src/index.js';
import { recoverFilledGaps } from '../../../shared/src/index.js';
import type { Comment, Prisma, PrismaClient } from '../db/generated/client.js';

export interface NewComment {
  id: string;
  worldId: string;
  roomId: string;
  sessionId: string;
  name: string;
  text: string;
  createdAt: Date;
}

export interface CommentFilter {
  worldId?: string | undefined;
  status?: CommentStatus[] | undefined;
  sentiment?: SentimentLabel | 'untagged' | undefined;
  /** Author name, case-insensitive, exact. */
  author?: string | undefined;
  /** Text contains (case-insensitive). */
  q?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export class BadCursorError extends Error {
  override name = 'BadCursorError';
}

/** Players have no accounts; this key is what mutes, bans and author search match. */
export function nameKey(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

export function toView(c: Comment): CommentView {
  return {
    id: c.id,
    worldId: c.worldId,
    roomId: c.roomId,
    authorSessionId: c.authorSessionId,
    authorName: c.authorName,
    text: c.text,
    filledText: c.filledText,
    sentiment: c.sentimentLabel !== null && c.sentimentPositive !== null ? { label: c.sentimentLabel, positive: c.sentimentPositive } : null,
    status: c.status,
    reason: c.reason,
    createdAt: c.createdAt.toISOString(),
    taggedAt: c.taggedAt?.toISOString() ?? null,
  };
}

/** The tag a stored comment carries, in the wire format bubbles use. */
export function tagOf(c: Comment): ChatTag | undefined {
  if (c.sentimentLabel === null || c.sentimentPositive === null) return undefined;
  return {
    id: c.id,
    sentiment: { label: c.sentimentLabel, positive: c.sentimentPositive },
    ...(c.filledText !== null ? { filled: { text: c.filledText, gaps: recoverFilledGaps(c.text, c.filledText) } } : {}),
  };
}

function encodeCursor(c: Comment): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const createdAt = new Date(String(at));
    if (typeof id !== 'string' || Number.isNaN(createdAt.getTime())) throw new Error('shape');
    return { createdAt, id };
  } catch {
    throw new BadCursorError('cursor is not one this server gave out');
  }
}

export class CommentStore {
  constructor(private readonly prisma: PrismaClient) {}

  createPending(c: NewComment): Promise<Comment> {
    return this.prisma.comment.create({
      data: {
        id: c.id,
        worldId: c.worldId,
        roomId: c.roomId,
        authorSessionId: c.sessionId,
        authorName: c.name,
        authorNameKey: nameKey(c.name),
        text: c.text,
        status: 'pending',
        createdAt: c.createdAt,
      },
    });
  }

  get(id: string): Promise<Comment | null> {
    return this.prisma.comment.findUnique({ where: { id } });
  }

  /** Writes the tags; null when the comment is unknown. */
  async saveTag(id: string, tag: Pick<ChatTag, 'sentiment' | 'filled'>): Promise<Comment | null> {
    const updated = await this.prisma.comment.updateManyAndReturn({
      where: { id },
      data: {
        sentimentLabel: tag.sentiment.label,
        sentimentPositive: tag.sentiment.positive,
        filledText: tag.filled?.text ?? null,
        taggedAt: new Date(),
      },
    });
    return updated[0] ?? null;
  }

  /**
   * Moves a comment to `to` only if it is in one of `from` (so two moderators,
   * or a moderator and AutoMod, cannot both win); null when it was not.
   */
  async transition(id: string, from: readonly CommentStatus[], to: CommentStatus, reason?: string | null): Promise<Comment | null> {
    const updated = await this.prisma.comment.updateManyAndReturn({
      where: { id, status: { in: [...from] } },
      data: { status: to, ...(reason !== undefined ? { reason } : {}) },
    });
    return updated[0] ?? null;
  }

  /** Comments with no tag yet, oldest first (the backfill's work list). */
  untagged(limit: number, createdBefore: Date): Promise<Comment[]> {
    return this.prisma.comment.findMany({ where: { taggedAt: null, createdAt: { lt: createdBefore } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: limit });
  }

  /** Newest first; `cursor` continues after the last comment of the previous page. */
  async search(filter: CommentFilter, limit: number, cursor?: string): Promise<CommentPage> {
    const and: Prisma.CommentWhereInput[] = [];
    if (filter.worldId) and.push({ worldId: filter.worldId });
    if (filter.status?.length) and.push({ status: { in: filter.status } });
    if (filter.sentiment === 'untagged') and.push({ sentimentLabel: null });
    else if (filter.sentiment) and.push({ sentimentLabel: filter.sentiment });
    if (filter.author) and.push({ authorNameKey: nameKey(filter.author) });
    if (filter.q) and.push({ text: { contains: filter.q, mode: 'insensitive' } });
    if (filter.from) and.push({ createdAt: { gte: filter.from } });
    if (filter.to) and.push({ createdAt: { lt: filter.to } });
    if (cursor) {
      const after = decodeCursor(cursor);
      and.push({ OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] });
    }
    const rows = await this.prisma.comment.findMany({
      where: { AND: and },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { comments: page.map(toView), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  /** Mean positive score of tagged comments per world per time bucket. */
  async mood(since: Date, bucketSeconds: number, worldId?: string): Promise<MoodPoint[]> {
    const rows = await this.prisma.$queryRaw<Array<{ world_id: string; bucket: number; positive: number; comments: number }>>`
      SELECT world_id,
             (floor(extract(epoch FROM created_at) / ${bucketSeconds}) * ${bucketSeconds})::float8 AS bucket,
             avg(sentiment_positive)::float8 AS positive,
             count(*)::int AS comments
      FROM comments
      WHERE created_at >= ${since} AND sentiment_positive IS NOT NULL
        AND (${worldId ?? null}::text IS NULL OR world_id = ${worldId ?? null}::text)
      GROUP BY 1, 2
      ORDER BY 2, 1`;
    return rows.map((r) => ({ worldId: r.world_id, at: new Date(r.bucket * 1000).toISOString(), positive: r.positive, comments: r.comments }));
  }
}
