/**
 * What a world room does with moderation: carries out room commands (show,
 * tag, hide, held, denied) from wherever they were published, kicks
 * sanctioned players, and records who joined.
 */
import { CloseCode, type Client, type Presence } from '@colyseus/core';
import { ServerMessage, type ChatModerationEvent } from '../../../shared/src/index.js';
import { PLAYERS_CHANNEL, roomChannel, type PlayerCommand, type RoomCommand } from './bus.js';
import { nameKey } from './commentStore.js';

/** The parts of a world room the bridge needs. */
export interface ModeratedRoom {
  roomId: string;
  presence: Presence;
  clients: Iterable<Client>;
  broadcast(type: string, message: unknown, options?: { except?: Client | Client[] }): void;
  /** The player's display name, if they are in the room. */
  nameOf(sessionId: string): string | undefined;
}

/** A kick is a consented leave: the SDK must not reconnect, and the room must not keep the seat. */
export const KICKED_CLOSE_CODE = CloseCode.CONSENTED;

function clientOf(room: ModeratedRoom, sessionId: string): Client | undefined {
  for (const client of room.clients) if (client.sessionId === sessionId) return client;
  return undefined;
}

export function applyRoomCommand(room: ModeratedRoom, command: RoomCommand): void {
  switch (command.kind) {
    case 'show': {
      const author = clientOf(room, command.bubble.sessionId);
      // The author saw their own bubble at once; they only need the badge.
      room.broadcast(ServerMessage.Chat, command.bubble, author ? { except: author } : undefined);
      if (author && command.bubble.tag) author.send(ServerMessage.ChatTag, command.bubble.tag);
      return;
    }
    case 'tag':
      room.broadcast(ServerMessage.ChatTag, command.tag);
      return;
    case 'hide':
      room.broadcast(ServerMessage.ChatHidden, { id: command.id, reason: command.reason ?? 'hidden by a moderator' } satisfies ChatModerationEvent);
      return;
    case 'held': {
      const author = clientOf(room, command.sessionId);
      const event: ChatModerationEvent = { id: command.id, reason: command.reason };
      if (command.wasShown) room.broadcast(ServerMessage.ChatHidden, event, author ? { except: author } : undefined);
      author?.send(ServerMessage.ChatHeld, event);
      return;
    }
    case 'denied':
      clientOf(room, command.sessionId)?.send(ServerMessage.ChatDenied, { id: command.id, reason: command.reason ?? 'denied by a moderator' } satisfies ChatModerationEvent);
      return;
  }
}

function applyPlayerCommand(room: ModeratedRoom, command: PlayerCommand): void {
  for (const client of room.clients) {
    const name = room.nameOf(client.sessionId);
    if (name !== undefined && nameKey(name) === command.nameKey) client.leave(KICKED_CLOSE_CODE, command.reason);
  }
}

/** Subscribe the room to its moderation channels; returns the unsubscribe for onDispose. */
export async function subscribeRoom(room: ModeratedRoom): Promise<() => void> {
  const onRoom = (command: RoomCommand) => applyRoomCommand(room, command);
  const onPlayers = (command: PlayerCommand) => applyPlayerCommand(room, command);
  await room.presence.subscribe(roomChannel(room.roomId), onRoom);
  await room.presence.subscribe(PLAYERS_CHANNEL, onPlayers);
  return () => {
    room.presence.unsubscribe(roomChannel(room.roomId), onRoom);
    room.presence.unsubscribe(PLAYERS_CHANNEL, onPlayers);
  };
}
