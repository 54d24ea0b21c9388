/**
 * The moderator API's and live feed's shapes, shared by the server and the
 * moderator dashboard (client/moderator).
 */
import type { SentimentLabel } from './messages.js';

export const COMMENT_STATUSES = ['pending', 'visible', 'held', 'hidden', 'denied'] as const;
export type CommentStatus = (typeof COMMENT_STATUSES)[number];

export const MODERATOR_ROLES = ['moderator', 'admin'] as const;
export type ModeratorRole = (typeof MODERATOR_ROLES)[number];

export interface CommentView {
  id: string;
  worldId: string;
  roomId: string;
  authorSessionId: string;
  authorName: string;
  text: string;
  filledText: string | null;
  sentiment: { label: SentimentLabel; positive: number } | null;
  status: CommentStatus;
  /** Why AutoMod held it, or the reason given with the last moderator action. */
  reason: string | null;
  createdAt: string;
  taggedAt: string | null;
}

export interface CommentPage {
  comments: CommentView[];
  /** Pass as `cursor` to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface SanctionView {
  id: number;
  kind: 'mute' | 'ban';
  name: string;
  reason: string | null;
  createdAt: string;
  expiresAt: string;
  liftedAt: string | null;
  moderator: string | null;
}

export interface AuditEntry {
  id: number;
  action: string;
  moderator: string | null;
  commentId: string | null;
  targetName: string | null;
  reason: string | null;
  details: unknown;
  createdAt: string;
}

export interface ModeratorView {
  id: string;
  login: string;
  role: ModeratorRole;
}

export interface LoginResponse {
  token: string;
  expiresAt: string;
  moderator: ModeratorView;
}

export interface MoodPoint {
  worldId: string;
  /** Start of the bucket (ISO time). */
  at: string;
  /** Mean probability of the positive class of the tagged comments in the bucket. */
  positive: number;
  comments: number;
}

export const FEED_EVENT_TYPES = ['comment.new', 'comment.tagged', 'comment.held', 'comment.updated', 'player.sanctioned', 'player.kicked'] as const;
export type FeedEventType = (typeof FEED_EVENT_TYPES)[number];

/** One event of the socket.io `/moderation` feed; ids grow, so a reconnecting moderator asks for those after the last it saw. */
export interface FeedEvent {
  id: number;
  type: FeedEventType;
  at: string;
  comment?: CommentView;
  sanction?: SanctionView;
  player?: { name: string; reason: string | null };
}

/** socket.io `/moderation`: the client sends `catch-up` with the last id it saw; the server answers with `event`s. */
export const FEED_NAMESPACE = '/moderation';

export interface ApiError {
  error: string;
  message: string;
}
