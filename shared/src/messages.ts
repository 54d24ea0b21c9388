/**
 * The world room's wire protocol: message type names and payloads, in both
 * directions. Validation of what clients send lives in validation.ts.
 */
import type { Vec3, WorldId } from './worlds.js';

export const ANIMATIONS = ['idle', 'walk', 'run', 'wave', 'sit'] as const;
export type Animation = (typeof ANIMATIONS)[number];

export const CHAT_MAX_LENGTH = 280;

/** Client → server message types. */
export const ClientMessage = {
  Move: 'move',
  Chat: 'chat',
  Portal: 'portal',
} as const;

/** Server → client message types. */
export const ServerMessage = {
  Error: 'error',
  Correction: 'correction',
  Chat: 'chat',
  /** A bubble's tags arrived (sentiment, filled gaps). */
  ChatTag: 'chat-tag',
  /** A comment was hidden by a moderator: remove its bubble. */
  ChatHidden: 'chat-hidden',
  /** To the sender only: the comment is held for review / was denied. */
  ChatHeld: 'chat-held',
  ChatDenied: 'chat-denied',
  PortalGranted: 'portal',
  Shutdown: 'shutdown',
} as const;

export interface MovePayload {
  x: number;
  y: number;
  z: number;
  /** Heading in radians. */
  rot: number;
  anim: Animation;
}

export interface ChatPayload {
  text: string;
}

export interface PortalPayload {
  portalId: string;
}

export interface JoinOptions {
  worldId: WorldId;
  name: string;
  /** `#rrggbb`; the server picks one when absent. */
  color?: string;
  avatar?: number;
  /** The portal (in the previous world) the player walked through, if any. */
  via?: string;
}

export const ErrorCode = {
  BadPayload: 'bad_payload',
  UnknownMessage: 'unknown_message',
  RateLimited: 'rate_limited',
  PortalTooFar: 'portal_too_far',
  UnknownPortal: 'unknown_portal',
  Internal: 'internal_error',
  /** A moderator muted this player for a while: chat is refused. */
  Muted: 'muted',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorEvent {
  code: ErrorCode;
  /** The message type that caused the error. */
  type: string;
  message: string;
}

export interface CorrectionEvent extends Vec3 {
  reason: 'bounds' | 'speed';
}

export interface ChatBubble {
  id: string;
  sessionId: string;
  name: string;
  text: string;
  /** Epoch milliseconds at the server. */
  sentAt: number;
  /** Present when the tags are already known (e.g. a held comment a moderator approved). */
  tag?: ChatTag;
}

export type SentimentLabel = 'positive' | 'neutral' | 'negative';

export interface SentimentTag {
  label: SentimentLabel;
  /** Probability of the positive class, 0..1; the neutral band sits around 0.5. */
  positive: number;
}

export interface FilledGap {
  /** Position of the gap among the gaps of the text, from 0. */
  index: number;
  token: string;
  score: number;
}

export interface ChatTag {
  /** The bubble this tag belongs to. */
  id: string;
  sentiment: SentimentTag;
  /** Present when the text had gaps (`___` or `[MASK]`): the text with them filled. */
  filled?: { text: string; gaps: FilledGap[] };
}

export interface ChatModerationEvent {
  id: string;
  reason: string;
}

export interface PortalGrantedEvent {
  to: WorldId;
  via: string;
}

export interface ShutdownEvent {
  message: string;
}
