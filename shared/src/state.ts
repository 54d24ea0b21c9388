/**
 * The world room's synchronised state (@colyseus/schema v5). The server
 * mutates it; the client decodes it with the same definitions.
 */
import { schema, t, type SchemaType } from '@colyseus/schema';

export const Player = schema(
  {
    sessionId: t.string(),
    name: t.string(),
    color: t.string(),
    avatar: t.uint8(),
    x: t.float32(),
    y: t.float32(),
    z: t.float32(),
    rot: t.float32(),
    anim: t.string(),
    /** False while the player's connection is dropped and may still come back. */
    connected: t.boolean(),
  },
  'Player',
);
export type Player = SchemaType<typeof Player>;

export const WorldState = schema(
  {
    worldId: t.string(),
    /** Players farther than this (metres, ground plane) are not sent to a client. */
    interestRadius: t.float32(),
    /** Players in this room, all of them, visible or not. */
    population: t.uint16(),
    /**
     * Interest management: each client receives only the players its
     * StateView holds (itself and those within the interest radius).
     */
    players: t.map(Player).view(),
  },
  'WorldState',
);
export type WorldState = SchemaType<typeof WorldState>;
