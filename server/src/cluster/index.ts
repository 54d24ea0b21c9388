/**
 * How the processes of a cluster find each other. Without REDIS_URL: one
 * process, Colyseus's in-memory presence and matchmaking, as before. With it:
 * RedisPresence and RedisDriver, so any process can match a player into a
 * room on any other (the client then connects to that process, at its
 * PUBLIC_ADDRESS), room calls and pub/sub cross processes, and singleton rooms
 * (the inference room) exist once in the cluster.
 */
import { matchMaker, type MatchMakerDriver, type Presence } from '@colyseus/core';
import { RedisDriver } from '@colyseus/redis-driver';
import { RedisPresence } from '@colyseus/redis-presence';
import { Redis } from 'ioredis';
import type { ClusterConfig } from '../config.js';
import { ClusterSingleton, LocalLease, RedisLease, type Lease } from './singleton.js';

/** Lease timing: a host renews every second; a dead host's room moves within about three. */
const CHECK_EVERY_MS = 1000;
const LEASE_TTL_MS = 3000;
/** How often processes that died without a goodbye are looked for (their rooms are then unlisted). */
const SWEEP_EVERY_MS = 5000;
const CONNECT_TIMEOUT_MS = 5000;

/**
 * RedisPresence with every pub/sub channel under the prefix too (ioredis's
 * `keyPrefix` covers keys only), so clusters sharing a Redis never hear each other.
 */
class PrefixedRedisPresence extends RedisPresence {
  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    super(redis);
  }

  // The callback type is RedisPresence's own `(...args: any[]) => void`.
  override subscribe(topic: string, callback: Parameters<RedisPresence['subscribe']>[1]) {
    return super.subscribe(this.prefix + topic, callback);
  }

  override unsubscribe(topic: string, callback?: Parameters<RedisPresence['unsubscribe']>[1]) {
    return super.unsubscribe(this.prefix + topic, callback);
  }

  override publish(topic: string, data: unknown) {
    return super.publish(this.prefix + topic, data);
  }

  override async channels(pattern = '*'): Promise<string[]> {
    return (await super.channels(this.prefix + pattern)).map((channel) => channel.slice(this.prefix.length));
  }
}

export interface Cluster {
  /** For `new Server({...})`: undefined fields leave Colyseus's single-process defaults. */
  serverOptions: { presence?: Presence; driver?: MatchMakerDriver; publicAddress?: string };
  /** After `listen`: keep one `roomName` room in the cluster, on whichever process gets it first. */
  keepOne(roomName: string): Promise<ClusterSingleton>;
  /** On shutdown: hand singleton rooms over, stop sweeping. Presence and driver are closed by Colyseus. */
  stop(): Promise<void>;
}

async function connect(url: string, prefix: string): Promise<Redis> {
  const redis = new Redis(url, { keyPrefix: prefix, lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS });
  // Until it is up, a failure is reported once, by the throw below; afterwards its users watch for errors.
  const quiet = () => undefined;
  redis.on('error', quiet);
  try {
    await redis.connect();
    await redis.ping();
    redis.off('error', quiet);
  } catch (error) {
    redis.disconnect();
    throw new Error(`could not reach Redis at ${url.replace(/\/\/[^@]*@/, '//***@')}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return redis;
}

/** Fails (naming the URL, without its password) when Redis cannot be reached, so a misconfigured process does not start half-connected. */
export async function openCluster(config: ClusterConfig): Promise<Cluster> {
  const singletons: ClusterSingleton[] = [];
  const stopSingletons = async () => {
    await Promise.all(singletons.map((s) => s.stop()));
  };
  if (!config.redisUrl) {
    const presence = () => matchMaker.presence;
    return {
      serverOptions: { publicAddress: config.publicAddress },
      keepOne: async (roomName) => {
        const singleton = await ClusterSingleton.start({ roomName, lease: new LocalLease(), presence: presence(), checkEveryMs: CHECK_EVERY_MS });
        singletons.push(singleton);
        return singleton;
      },
      stop: stopSingletons,
    };
  }

  const { redisUrl, redisPrefix } = config;
  // Separate connections: presence (which also opens one for subscriptions), driver, and leases.
  const [presenceRedis, driverRedis, leaseRedis] = await Promise.all([1, 2, 3].map(() => connect(redisUrl, redisPrefix)));
  for (const redis of [driverRedis!, leaseRedis!]) redis.on('error', (e: Error) => console.warn(`[cluster] Redis: ${e.message}`));
  const presence = new PrefixedRedisPresence(presenceRedis!, redisPrefix);
  const driver = new RedisDriver(driverRedis!);

  // Processes that died without a goodbye stay listed until someone health-checks them; do it regularly.
  const sweep = setInterval(() => {
    if (matchMaker.state !== matchMaker.MatchMakerState.READY) return;
    matchMaker.healthCheckAllProcesses().catch((error: unknown) => console.warn(`[cluster] sweep failed: ${String(error)}`));
  }, SWEEP_EVERY_MS);
  sweep.unref();

  return {
    serverOptions: { presence, driver, publicAddress: config.publicAddress },
    keepOne: async (roomName) => {
      const lease: Lease = new RedisLease(leaseRedis!, `cluster:lease:${roomName}`, LEASE_TTL_MS);
      const singleton = await ClusterSingleton.start({ roomName, lease, presence, checkEveryMs: CHECK_EVERY_MS });
      singletons.push(singleton);
      return singleton;
    },
    stop: async () => {
      clearInterval(sweep);
      await stopSingletons();
      await leaseRedis!.quit().catch(() => undefined);
    },
  };
}
