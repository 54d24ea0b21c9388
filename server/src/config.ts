/**
 * Configuration from environment variables, validated once at start.
 * Every variable is documented in README.md ("Configuration").
 */
import { z } from 'zod';
import { FAIL_MODES, worldOverrides, type AutoModConfig } from './moderation/automod.js';

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
  FILL_MASK_MODEL: z.string().min(1).default('models/fill-mask'),
  SENTIMENT_MODEL: z.string().min(1).default('models/sentiment'),
  MODEL_VARIANT: z.enum(['quantized', 'full']).default('quantized'),
  INFERENCE_DEVICES: z
    .string()
    .default('cpu')
    .transform((s) => s.split(',').map((d) => d.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^(cpu|cuda:\d+)$/, 'devices are cpu or cuda:K, comma-separated')).min(1)),
  INFERENCE_WORKERS: int(0, 64).default(2),
  INFERENCE_THREADS: int(1, 64).default(1),
  MAX_BATCH_SIZE: int(1, 1024).default(32),
  MAX_WAIT_MS: int(0, 10000).default(0),
  MAX_QUEUE: int(1, 1_000_000).default(1024),
  INFERENCE_TIMEOUT_MS: int(10, 600_000).default(5000),
  FILL_MASK_TOP_K: int(1, 50).default(5),
  SENTIMENT_NEUTRAL_MARGIN: num(0, 0.5).default(0.15),
  WORKER_TOKEN: z.string().min(16, 'WORKER_TOKEN must be at least 16 characters').optional(),
  // Persistence and moderation.
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  DATA_DIR: z.string().min(1).default('./data/pglite'),
  AUTOMOD_NEGATIVE_THRESHOLD: num(0, 1).default(0.9),
  AUTOMOD_BLOCKED_TERMS: z.string().default(''),
  AUTOMOD_FAIL_MODE: z.enum(FAIL_MODES).default('open'),
  AUTOMOD_WORLDS: z
    .string()
    .default('{}')
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"forest":{"negativeThreshold":0.8}}' });
        return z.NEVER;
      }
    })
    .pipe(worldOverrides),
  AUTOMOD_TAG_DEADLINE_MS: int(10, 60000).default(400),
  MODERATOR_SESSION_HOURS: num(0.001, 720).default(12),
  MODERATOR_LOGIN_MAX_FAILURES: int(1, 100).default(5),
  MODERATOR_LOCKOUT_MINUTES: num(0.01, 1440).default(15),
  MODERATOR_LOGIN_RATE_PER_MINUTE: int(1, 10000).default(20),
  BACKFILL_INTERVAL_MS: int(100, 3_600_000).default(10_000),
  // Scale-out (server/src/cluster): several processes share matchmaking through Redis.
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0').optional(),
  REDIS_PREFIX: z.string().regex(/^[\w:.-]{0,64}$/, 'letters, digits and _:.- only (at most 64)').default(''),
  PUBLIC_ADDRESS: z
    .string()
    .regex(/^[\w.-]+(:\d{1,5})?(\/[\w.-]+)*$/, 'must be host[:port][/path] without a scheme, e.g. game.example.com/s1')
    .optional(),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  host: string;
  world: WorldRoomConfig;
  inference: InferenceConfig;
  database: DatabaseConfig;
  moderation: ModerationConfig;
  cluster: ClusterConfig;
}

export interface ClusterConfig {
  /** Redis shared by every process of the cluster; unset: one process, in-memory presence and matchmaking. */
  redisUrl: string | undefined;
  /** Prepended to every Redis key and pub/sub channel, so clusters (and test runs) can share one Redis. */
  redisPrefix: string;
  /** Where clients reach this process (host[:port][/path]); set per process when a proxy routes by it. */
  publicAddress: string | undefined;
}

export interface DatabaseConfig {
  /** PostgreSQL when set; otherwise the embedded PGlite in dataDir. */
  url: string | undefined;
  dataDir: string;
}

export interface ModerationConfig {
  automod: AutoModConfig;
  /** How long others wait for a comment's tag before the world's fail mode decides. */
  tagDeadlineMs: number;
  sessionTtlMs: number;
  /** Failed logins in a row that lock a moderator account, and for how long. */
  loginMaxFailures: number;
  lockoutMs: number;
  /** Login attempts per minute from one address. */
  loginRatePerMinute: number;
  /** How often untagged comments are looked for and tagged. */
  backfillIntervalMs: number;
}

export interface InferenceConfig {
  fillMaskModel: string;
  sentimentModel: string;
  variant: 'quantized' | 'full';
  /** Devices for local worker threads; `workersPerDevice` threads on each. */
  devices: string[];
  /** 0: no local workers (requests wait for remote workers, or time out). */
  workersPerDevice: number;
  intraOpThreads: number;
  maxBatchSize: number;
  maxWaitMs: number;
  maxQueue: number;
  timeoutMs: number;
  topK: number;
  neutralMargin: number;
  /** Shared secret remote workers present to join; unset: remote workers are refused. */
  workerToken: string | undefined;
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
    inference: {
      fillMaskModel: e.FILL_MASK_MODEL,
      sentimentModel: e.SENTIMENT_MODEL,
      variant: e.MODEL_VARIANT,
      devices: e.INFERENCE_DEVICES,
      workersPerDevice: e.INFERENCE_WORKERS,
      intraOpThreads: e.INFERENCE_THREADS,
      maxBatchSize: e.MAX_BATCH_SIZE,
      maxWaitMs: e.MAX_WAIT_MS,
      maxQueue: e.MAX_QUEUE,
      timeoutMs: e.INFERENCE_TIMEOUT_MS,
      topK: e.FILL_MASK_TOP_K,
      neutralMargin: e.SENTIMENT_NEUTRAL_MARGIN,
      workerToken: e.WORKER_TOKEN,
    },
    database: { url: e.DATABASE_URL, dataDir: e.DATA_DIR },
    moderation: {
      automod: {
        defaults: {
          negativeThreshold: e.AUTOMOD_NEGATIVE_THRESHOLD,
          blockedTerms: e.AUTOMOD_BLOCKED_TERMS.split(',').map((t) => t.trim()).filter((t) => t !== ''),
          failMode: e.AUTOMOD_FAIL_MODE,
        },
        worlds: e.AUTOMOD_WORLDS,
      },
      tagDeadlineMs: e.AUTOMOD_TAG_DEADLINE_MS,
      sessionTtlMs: e.MODERATOR_SESSION_HOURS * 3_600_000,
      loginMaxFailures: e.MODERATOR_LOGIN_MAX_FAILURES,
      lockoutMs: e.MODERATOR_LOCKOUT_MINUTES * 60_000,
      loginRatePerMinute: e.MODERATOR_LOGIN_RATE_PER_MINUTE,
      backfillIntervalMs: e.BACKFILL_INTERVAL_MS,
    },
    cluster: { redisUrl: e.REDIS_URL, redisPrefix: e.REDIS_PREFIX, publicAddress: e.PUBLIC_ADDRESS },
  };
}
