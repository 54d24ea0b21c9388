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
}

export interface PortalGrantedEvent {
  to: WorldId;
  via: string;
}

export interface ShutdownEvent {
  message: string;
}
