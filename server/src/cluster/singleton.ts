/**
 * Exactly one room of a kind in the whole cluster (the inference room: batches
 * form in one place, and its requests travel over pub/sub, where two rooms
 * would both answer). The process holding a lease hosts it. Every process
 * checks the lease every second: when nobody holds it (first start, the host
 * stopped, or the host died and its lease ran out) the first process to take
 * it creates the room on itself. A host that shuts down gives the lease up
 * and says so at once, so another process takes over while its own room
 * finishes what it has in flight.
 */
import { randomUUID } from 'node:crypto';
import { matchMaker, type Presence } from '@colyseus/core';
import type { Redis } from 'ioredis';

/** Who may host the room. */
export interface Lease {
  /** Take it if nobody holds it; true when it is now ours. */
  acquire(): Promise<boolean>;
  /** Extend it; false when it is no longer ours. */
  renew(): Promise<boolean>;
  /** Give it up, if it is ours. */
  release(): Promise<void>;
}

/** One process: the lease is always ours. */
export class LocalLease implements Lease {
  async acquire(): Promise<boolean> {
    return true;
  }
  async renew(): Promise<boolean> {
    return true;
  }
  async release(): Promise<void> {}
}

// Compare-and-set scripts: only the holder may extend or delete the lease.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** A Redis key set with NX and a TTL: atomic, so two processes starting at once cannot both win; a dead holder's lease expires. */
export class RedisLease implements Lease {
  /** Unique per lease object, so a restarted process never mistakes an old lease for its own. */
  readonly holder = randomUUID();

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  async acquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.holder, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  async renew(): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key, this.holder, this.ttlMs)) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.holder);
  }
}

export interface SingletonOptions {
  roomName: string;
  lease: Lease;
  presence: Presence;
  /** How often the lease is renewed or, by the others, tried. Must be well under the lease's TTL. */
  checkEveryMs: number;
}

const releasedChannel = (roomName: string) => `cluster:released:${roomName}`;

export class ClusterSingleton {
  private hostedRoomId: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Checks run one at a time, whether the timer or a handover notice started them. */
  private checking: Promise<void> = Promise.resolve();
  private lastError = '';
  private readonly onReleased = () => void this.check();

  private constructor(private readonly options: SingletonOptions) {}

  /** Take part in hosting the room; resolves after the first check (so a lone process hosts it from the start). */
  static async start(options: SingletonOptions): Promise<ClusterSingleton> {
    const singleton = new ClusterSingleton(options);
    await options.presence.subscribe(releasedChannel(options.roomName), singleton.onReleased);
    await singleton.check();
    singleton.timer = setInterval(() => void singleton.check(), options.checkEveryMs);
    return singleton;
  }

  /** The id of the room when this process hosts it. */
  get roomId(): string | undefined {
    return this.hostedRoomId;
  }

  /** Shutdown: give the lease up and tell the others, so one takes over now while our room drains. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.checking;
    await this.options.presence.unsubscribe(releasedChannel(this.options.roomName), this.onReleased);
    if (this.hostedRoomId === undefined) return;
    try {
      await this.options.lease.release();
      await this.options.presence.publish(releasedChannel(this.options.roomName), matchMaker.processId);
    } catch (error) {
      // The lease then runs out on its own and another process takes over a few seconds later.
      console.warn(`[cluster] could not hand the ${this.options.roomName} room over: ${String(error)}`);
    }
  }

  private check(): Promise<void> {
    this.checking = this.checking
      .then(() => this.checkOnce())
      .then(
        () => void (this.lastError = ''),
        (error: unknown) => {
          // Redis down, say: say so once, keep trying.
          const text = error instanceof Error ? error.message : String(error);
          if (text !== this.lastError) console.warn(`[cluster] ${this.options.roomName} room check failed: ${text}`);
          this.lastError = text;
        },
      );
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    if (this.stopped) return;
    const { lease, roomName } = this.options;
    if (this.hostedRoomId !== undefined) {
      const room = matchMaker.getLocalRoomById(this.hostedRoomId);
      if (room && (await lease.renew())) return;
      // Our room is gone, or the lease went to another process (we could not renew it in time): stop hosting.
      this.hostedRoomId = undefined;
      if (room) {
        console.warn(`[cluster] lost the lease on the ${roomName} room; closing this process's copy`);
        await room.disconnect();
      } else {
        await lease.release();
      }
      return;
    }
    if (!(await lease.acquire())) return;
    this.sweepStaleCopies();
    try {
      const listing = await matchMaker.handleCreateRoom(roomName, {});
      this.hostedRoomId = listing.roomId;
    } catch (error) {
      await lease.release();
      throw error;
    }
  }

  /** A copy listed by a process that died: health-checking it removes its listings, so workers do not try to join a dead room. */
  private sweepStaleCopies(): void {
    void matchMaker
      .query({ name: this.options.roomName })
      .then((listings) =>
        Promise.all(listings.filter((l) => l.processId !== matchMaker.processId).map((l) => matchMaker.healthCheckProcessId(l.processId))),
      )
      .catch((error: unknown) => console.warn(`[cluster] could not check old ${this.options.roomName} rooms: ${String(error)}`));
  }
}
