/**
 * Configuration from environment variables, validated once at start.
 * Every variable is documented in README.md ("Configuration").
 */
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);

const envSchema = z.object({
  PORT: int(0, 65535).default(2567),
  HOST: z.string().min(1).default('0.0.0.0'),
  MAX_CLIENTS_PER_ROOM: int(1, 1000).default(100),
  PATCH_RATE_HZ: int(1, 60).default(20),
  INTEREST_RADIUS: num(1, 1000).default(30),
  INTEREST_UPDATE_MS: int(20, 5000).default(200),
  RECONNECT_SECONDS: int(0, 600).default(20),
  MOVE_RATE_PER_SECOND: num(1, 240).default(30),
  CHAT_BURST: int(1, 100).default(5),
  CHAT_RATE_PER_SECOND: num(0.01, 100).default(0.5),
  SHUTDOWN_GRACE_MS: int(0, 60000).default(1000),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  world: WorldRoomConfig;
}

/** What every world room needs to know; passed to it as creation options. */
export interface WorldRoomConfig {
  maxClients: number;
  patchRateHz: number;
  interestRadius: number;
  interestUpdateMs: number;
  reconnectSeconds: number;
  moveRatePerSecond: number;
  chatBurst: number;
  chatRatePerSecond: number;
  /** On shutdown, players are told and disconnected this long after. */
  shutdownGraceMs: number;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as shells and compose files often leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.')}=${JSON.stringify(present[String(i.path[0])])}: ${i.message}`),
    );
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    world: {
      maxClients: e.MAX_CLIENTS_PER_ROOM,
      patchRateHz: e.PATCH_RATE_HZ,
      interestRadius: e.INTEREST_RADIUS,
      interestUpdateMs: e.INTEREST_UPDATE_MS,
      reconnectSeconds: e.RECONNECT_SECONDS,
      moveRatePerSecond: e.MOVE_RATE_PER_SECOND,
      chatBurst: e.CHAT_BURST,
      chatRatePerSecond: e.CHAT_RATE_PER_SECOND,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
  };
}
