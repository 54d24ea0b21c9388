/**
 * The moderation service: the comment lifecycle (stored pending → tagged →
 * AutoMod's verdict), moderator actions on comments and players, sanctions,
 * the audit log and the live feed. World rooms, the HTTP API, the socket.io
 * feed and the backfill all go through it.
 */
import type {
  AuditEntry,
  ChatBubble,
  ChatTag,
  CommentStatus,
  CommentView,
  FeedEvent,
  FeedEventType,
  SanctionView,
} from '../../../shared/src/index.js';
import type { Comment, Prisma, PrismaClient, Sanction } from '../db/generated/client.js';
import { judgeTagged, judgeText, policyFor, type AutoModConfig, type AutoModPolicy } from './automod.js';
import type { Bus, RoomCommand } from './bus.js';
import { CommentStore, nameKey, tagOf, toView, type NewComment } from './commentStore.js';

export type Tag = Pick<ChatTag, 'sentiment' | 'filled'>;

/** Who acts: a moderator, or AutoMod / the system (null). */
export interface Actor {
  id: string;
  login: string;
}

export class ModerationError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
    this.name = 'ModerationError';
  }
}

/** What happened to a comment after its tag was written. */
export type TagOutcome =
  | { kind: 'shown'; comment: Comment } // cleared now: others may see it
  | { kind: 'held'; comment: Comment; reason: string } // held now (maybe after having been shown under fail-open)
  | { kind: 'tagged'; comment: Comment } // it was already shown: only the badge is new
  | { kind: 'unchanged'; comment: Comment }; // held, hidden or denied already: tag recorded, nothing to show

const ACTIONABLE: Record<'approve' | 'deny' | 'hide' | 'restore', { from: CommentStatus[]; to: CommentStatus }> = {
  approve: { from: ['held', 'pending'], to: 'visible' },
  deny: { from: ['held', 'pending'], to: 'denied' },
  hide: { from: ['visible', 'pending', 'held'], to: 'hidden' },
  restore: { from: ['hidden', 'denied'], to: 'visible' },
};
export type CommentAction = keyof typeof ACTIONABLE;

export function bubbleOf(c: Comment): ChatBubble {
  const tag = tagOf(c);
  return { id: c.id, sessionId: c.authorSessionId, name: c.authorName, text: c.text, sentAt: c.createdAt.getTime(), ...(tag ? { tag } : {}) };
}

function sanctionView(s: Sanction & { moderator?: { login: string } | null }): SanctionView {
  return {
    id: s.id,
    kind: s.kind,
    name: s.name,
    reason: s.reason,
    createdAt: s.createdAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    liftedAt: s.liftedAt?.toISOString() ?? null,
    moderator: s.moderator?.login ?? null,
  };
}

export class ModerationService {
  readonly comments: CommentStore;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly automod: AutoModConfig,
    private readonly bus: Bus,
    private readonly now: () => number = Date.now,
  ) {
    this.comments = new CommentStore(prisma);
  }

  policy(worldId: string): AutoModPolicy {
    return policyFor(this.automod, worldId);
  }

  // ---- the comment lifecycle -------------------------------------------------

  /**
   * Store a new comment (pending) before anything else happens to it. Returns
   * the stored row and, when its text alone decides (a blocked term), the hold.
   */
  async receive(c: NewComment): Promise<{ comment: Comment; held?: string }> {
    let comment = await this.comments.createPending(c);
    await this.feed('comment.new', { comment: toView(comment) });
    const verdict = judgeText(this.policy(c.worldId), c.text);
    if (verdict?.status === 'held') {
      comment = (await this.hold(comment, ['pending'], verdict.reason)) ?? comment;
      return { comment, held: verdict.reason };
    }
    return { comment };
  }

  /** The tag deadline passed under fail-open: the comment is shown untagged. Null when it was decided meanwhile. */
  async showUntagged(id: string): Promise<Comment | null> {
    const shown = await this.comments.transition(id, ['pending'], 'visible');
    if (shown) await this.feed('comment.updated', { comment: toView(shown) });
    return shown;
  }

  /**
   * Write a comment's tags and let AutoMod decide. The outcome is delivered to
   * the comment's room through `deliver` (the room itself passes a local one;
   * the default publishes to wherever the room lives).
   */
  async applyTag(id: string, tag: Tag, deliver: (command: RoomCommand) => void = (cmd) => this.deliverToRoom(id, cmd)): Promise<TagOutcome | null> {
    const tagged = await this.comments.saveTag(id, tag);
    if (!tagged) return null;
    await this.feed('comment.tagged', { comment: toView(tagged) });
    const verdict = judgeTagged(this.policy(tagged.worldId), tagged.text, tag);
    const bubble = bubbleOf(tagged);
    if (tagged.status === 'pending') {
      if (verdict.status === 'held') {
        const held = await this.hold(tagged, ['pending'], verdict.reason);
        if (held) {
          deliver({ kind: 'held', id, sessionId: held.authorSessionId, reason: verdict.reason, wasShown: false });
          return { kind: 'held', comment: held, reason: verdict.reason };
        }
      } else {
        const shown = await this.comments.transition(id, ['pending'], 'visible');
        if (shown) {
          await this.feed('comment.updated', { comment: toView(shown) });
          deliver({ kind: 'show', bubble });
          return { kind: 'shown', comment: shown };
        }
      }
      // Decided meanwhile (a moderator, or the deadline): fall through with the fresh row.
      const fresh = (await this.comments.get(id)) ?? tagged;
      return this.afterDecision(fresh, tag, verdict, deliver);
    }
    return this.afterDecision(tagged, tag, verdict, deliver);
  }

  /** A tag for a comment whose fate was already decided before it came. */
  private async afterDecision(
    comment: Comment,
    tag: Tag,
    verdict: ReturnType<typeof judgeTagged>,
    deliver: (command: RoomCommand) => void,
  ): Promise<TagOutcome> {
    if (comment.status !== 'visible') return { kind: 'unchanged', comment };
    // Shown untagged under fail-open, and the late tag says it should be held.
    if (verdict.status === 'held') {
      const held = await this.hold(comment, ['visible'], verdict.reason);
      if (held) {
        deliver({ kind: 'held', id: held.id, sessionId: held.authorSessionId, reason: verdict.reason, wasShown: true });
        return { kind: 'held', comment: held, reason: verdict.reason };
      }
      return { kind: 'unchanged', comment };
    }
    deliver({ kind: 'tag', tag: { id: comment.id, ...tag } });
    return { kind: 'tagged', comment };
  }

  private async hold(comment: Comment, from: CommentStatus[], reason: string): Promise<Comment | null> {
    const held = await this.comments.transition(comment.id, from, 'held', reason);
    if (!held) return null;
    await this.audit(null, 'automod.hold', { commentId: held.id, targetName: held.authorName, reason });
    await this.feed('comment.held', { comment: toView(held) });
    return held;
  }

  private deliverToRoom(commentId: string, command: RoomCommand): void {
    void this.comments.get(commentId).then((c) => c && this.bus.toRoom(c.roomId, command));
  }

  // ---- moderator actions on comments -----------------------------------------

  async act(action: CommentAction, id: string, actor: Actor, reason: string | null): Promise<CommentView> {
    const rule = ACTIONABLE[action];
    const before = await this.comments.get(id);
    if (!before) throw new ModerationError('not_found', `no comment ${id}`);
    const after = await this.comments.transition(id, rule.from, rule.to, reason);
    if (!after) {
      throw new ModerationError('conflict', `cannot ${action} a comment that is ${before.status} (only ${rule.from.join(' or ')})`);
    }
    await this.audit(actor, `comment.${action}`, { commentId: id, targetName: after.authorName, reason, details: { from: before.status, to: after.status } });
    await this.feed('comment.updated', { comment: toView(after) });
    const bubble = bubbleOf(after);
    switch (action) {
      case 'approve':
      case 'restore':
        this.bus.toRoom(after.roomId, { kind: 'show', bubble });
        break;
      case 'hide':
        this.bus.toRoom(after.roomId, { kind: 'hide', id, reason });
        break;
      case 'deny':
        this.bus.toRoom(after.roomId, { kind: 'denied', id, sessionId: after.authorSessionId, reason });
        break;
    }
    return toView(after);
  }

  // ---- players ---------------------------------------------------------------

  /** A player joined a world instance (the players table; failures are logged, never block the join). */
  async playerJoined(sessionId: string, name: string, worldId: string, roomId: string): Promise<void> {
    await this.prisma.playerSession.upsert({
      where: { id: sessionId },
      create: { id: sessionId, name, nameKey: nameKey(name), worldId, roomId },
      update: { leftAt: null },
    });
  }

  async playerLeft(sessionId: string): Promise<void> {
    await this.prisma.playerSession.updateMany({ where: { id: sessionId }, data: { leftAt: new Date(this.now()) } });
  }

  async sanction(kind: 'mute' | 'ban', name: string, minutes: number, actor: Actor, reason: string | null): Promise<SanctionView> {
    const created = await this.prisma.sanction.create({
      data: { kind, name, nameKey: nameKey(name), reason, moderatorId: actor.id, expiresAt: new Date(this.now() + minutes * 60_000) },
      include: { moderator: { select: { login: true } } },
    });
    await this.audit(actor, `player.${kind}`, { targetName: name, reason, details: { minutes, sanctionId: created.id } });
    const view = sanctionView(created);
    await this.feed('player.sanctioned', { sanction: view });
    // A banned player leaves at once, wherever they are.
    if (kind === 'ban') this.bus.toPlayers({ kind: 'kick', nameKey: created.nameKey, reason: reason ?? 'banned by a moderator' });
    return view;
  }

  async kick(name: string, actor: Actor, reason: string | null): Promise<void> {
    this.bus.toPlayers({ kind: 'kick', nameKey: nameKey(name), reason: reason ?? 'removed by a moderator' });
    await this.audit(actor, 'player.kick', { targetName: name, reason });
    await this.feed('player.kicked', { player: { name, reason } });
  }

  async lift(id: number, actor: Actor): Promise<SanctionView> {
    const lifted = await this.prisma.sanction.updateManyAndReturn({ where: { id, liftedAt: null }, data: { liftedAt: new Date(this.now()) } });
    const row = lifted[0];
    if (!row) {
      const exists = await this.prisma.sanction.findUnique({ where: { id } });
      throw new ModerationError(exists ? 'conflict' : 'not_found', exists ? `sanction ${id} was already lifted` : `no sanction ${id}`);
    }
    await this.audit(actor, `player.un${row.kind}`, { targetName: row.name, details: { sanctionId: id } });
    const view = sanctionView(row);
    await this.feed('player.sanctioned', { sanction: view });
    return view;
  }

  async activeSanctions(kind?: 'mute' | 'ban'): Promise<SanctionView[]> {
    const rows = await this.prisma.sanction.findMany({
      where: { liftedAt: null, expiresAt: { gt: new Date(this.now()) }, ...(kind ? { kind } : {}) },
      orderBy: { createdAt: 'desc' },
      include: { moderator: { select: { login: true } } },
      take: 500,
    });
    return rows.map(sanctionView);
  }

  /** The active sanction of this kind on a player name, if any (the longest-lasting). */
  async activeSanction(kind: 'mute' | 'ban', name: string): Promise<SanctionView | undefined> {
    const row = await this.prisma.sanction.findFirst({
      where: { kind, nameKey: nameKey(name), liftedAt: null, expiresAt: { gt: new Date(this.now()) } },
      orderBy: { expiresAt: 'desc' },
    });
    return row ? sanctionView(row) : undefined;
  }

  // ---- audit log and feed ----------------------------------------------------

  async auditLog(limit: number, before?: number): Promise<{ entries: AuditEntry[]; nextCursor: number | null }> {
    const rows = await this.prisma.moderationAction.findMany({
      where: before !== undefined ? { id: { lt: before } } : {},
      orderBy: { id: 'desc' },
      take: limit + 1,
      include: { moderator: { select: { login: true } } },
    });
    const page = rows.slice(0, limit);
    return {
      entries: page.map((r) => ({
        id: r.id,
        action: r.action,
        moderator: r.moderator?.login ?? null,
        commentId: r.commentId,
        targetName: r.targetName,
        reason: r.reason,
        details: r.details,
        createdAt: r.createdAt.toISOString(),
      })),
      nextCursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
    };
  }

  private async audit(
    actor: Actor | null,
    action: string,
    what: { commentId?: string; targetName?: string; reason?: string | null; details?: Prisma.InputJsonValue },
  ): Promise<void> {
    await this.prisma.moderationAction.create({
      data: {
        moderatorId: actor?.id ?? null,
        action,
        commentId: what.commentId ?? null,
        targetName: what.targetName ?? null,
        reason: what.reason ?? null,
        ...(what.details !== undefined ? { details: what.details } : {}),
      },
    });
  }

  /** Feed events are stored first (so a reconnecting moderator can catch up), then published. */
  private async feed(type: FeedEventType, body: Omit<FeedEvent, 'id' | 'type' | 'at'>): Promise<void> {
    const row = await this.prisma.moderationEvent.create({
      data: { type, commentId: body.comment?.id ?? null, payload: body as Prisma.InputJsonValue },
    });
    this.bus.toFeed({ id: row.id, type, at: row.createdAt.toISOString(), ...body });
  }

  /** The newest stored event's id (0 when none): where a client that wants only what comes next starts. */
  async latestEventId(): Promise<number> {
    const row = await this.prisma.moderationEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
    return row?.id ?? 0;
  }

  /** Events after `afterId`, oldest first (catch-up after a reconnect). */
  async eventsAfter(afterId: number, limit: number): Promise<FeedEvent[]> {
    const rows = await this.prisma.moderationEvent.findMany({ where: { id: { gt: afterId } }, orderBy: { id: 'asc' }, take: limit });
    return rows.map((r) => ({ id: r.id, type: r.type as FeedEventType, at: r.createdAt.toISOString(), ...(r.payload as object) }));
  }
}
