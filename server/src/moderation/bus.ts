/**
 * Messages from the moderation service to world rooms and feed sockets,
 * carried by Colyseus presence pub/sub so they reach rooms and moderators in
 * other processes when RedisPresence is used.
 */
import { matchMaker, type Presence } from '@colyseus/core';
import type { ChatBubble, ChatTag, FeedEvent } from '../../../shared/src/index.js';

/** What a world room is asked to do for a comment or player. */
export type RoomCommand =
  /** Show the bubble to everyone but its author (who saw it at once), with its tag when known. */
  | { kind: 'show'; bubble: ChatBubble }
  /** A late tag for a bubble already shown. */
  | { kind: 'tag'; tag: ChatTag }
  /** A moderator hid it: remove the bubble everywhere. */
  | { kind: 'hide'; id: string; reason: string | null }
  /** Held for review: tell the author; take it away from others if they were shown it (fail-open, late tag). */
  | { kind: 'held'; id: string; sessionId: string; reason: string; wasShown: boolean }
  /** A moderator denied it: tell the author. */
  | { kind: 'denied'; id: string; sessionId: string; reason: string | null };

export interface PlayerCommand {
  kind: 'kick';
  nameKey: string;
  reason: string;
}

export const roomChannel = (roomId: string) => `moderation:room:${roomId}`;
export const PLAYERS_CHANNEL = 'moderation:players';
export const FEED_CHANNEL = 'moderation:feed';

/** The process's presence (LocalPresence, or RedisPresence across processes), looked up when used. */
export interface Bus {
  toRoom(roomId: string, command: RoomCommand): void;
  toPlayers(command: PlayerCommand): void;
  toFeed(event: FeedEvent): void;
}

export function presenceBus(presence: () => Presence = () => matchMaker.presence): Bus {
  const publish = (channel: string, data: unknown) => {
    Promise.resolve(presence().publish(channel, data)).catch((error: unknown) => console.error(`[moderation] publish on ${channel} failed:`, error));
  };
  return {
    toRoom: (roomId, command) => publish(roomChannel(roomId), command),
    toPlayers: (command) => publish(PLAYERS_CHANNEL, command),
    toFeed: (event) => publish(FEED_CHANNEL, event),
  };
}
