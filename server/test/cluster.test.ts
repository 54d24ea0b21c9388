/**
 * Scale-out: real server processes sharing the Redis on 127.0.0.1:6379 (under
 * a key and channel prefix of their own, deleted afterwards) and a fresh
 * PostgreSQL database, with real SDK clients. Players who join through
 * different processes meet in one world instance; one inference room serves
 * the cluster and moves when its process stops or dies; a restarted process
 * rejoins.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Room } from '@colyseus/sdk';
import { ServerMessage, WorldState, type ChatBubble, type ChatTag } from '../../shared/src/index.js';
import { openCluster } from '../src/cluster/index.js';
import { RedisLease } from '../src/cluster/singleton.js';
import { loadConfig } from '../src/config.js';
import { REQUEST_CHANNEL } from '../src/inference/presenceChannel.js';
import { INFERENCE_ROOM } from '../src/rooms/InferenceRoom.js';
import { WORLD_ROOM } from '../src/rooms/WorldRoom.js';
import { freePort, waitFor } from './helpers.js';
import { createTestDatabase, type TestDatabase } from './moderationHelpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const PREFIX = `test-cluster-${randomBytes(4).toString('hex')}:`;
const MAIN = ['--import', 'tsx', 'server/src/main.ts'];

interface Listing {
  roomId: string;
  name: string;
  processId: string;
  publicAddress?: string;
  clients: number;
}

class ServerProcess {
  child!: ChildProcess;
  output = '';
  exited!: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  start(): this {
    this.output = '';
    this.child = spawn(process.execPath, MAIN, {
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1', PUBLIC_ADDRESS: this.address },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d) => (this.output += d));
    this.child.stderr!.on('data', (d) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    return this;
  }

  async ready(): Promise<void> {
    await waitFor(`${this.name} listening (output so far: ${this.output.slice(-500)})`, () => this.output.includes('listening') || this.child.exitCode !== null, 60_000);
    if (this.child.exitCode !== null) throw new Error(`${this.name} exited: ${this.output}`);
  }

  get running(): boolean {
    return this.child?.exitCode === null && this.child.signalCode === null;
  }

  join(worldId: 'plaza' | 'forest' | 'harbour', name: string): Promise<Room<unknown, WorldState>> {
    return new Client(this.endpoint).joinOrCreate(WORLD_ROOM, { worldId, name }, WorldState);
  }
}

let redis: Redis;
let database: TestDatabase;
const servers: ServerProcess[] = [];
const players: Player[] = [];

interface Player {
  room: Room<unknown, WorldState>;
  bubbles: ChatBubble[];
  tags: ChatTag[];
  /** Every other server message (errors, corrections, shutdown…), for diagnosis. */
  events: Array<{ type: string; payload: unknown }>;
  /** The badge this player got for a comment: on the bubble (AutoMod shows it tagged) or as a chat-tag after it. */
  tagFor(text: string): ChatTag | undefined;
}

async function listings(): Promise<Listing[]> {
  const all = await redis.hgetall(`${PREFIX}roomcaches`);
  return Object.values(all).map((json) => JSON.parse(json) as Listing);
}

async function inferenceHost(): Promise<ServerProcess | undefined> {
  const found = (await listings()).filter((l) => l.name === INFERENCE_ROOM);
  if (found.length !== 1) return undefined;
  return servers.find((s) => s.running && s.address === found[0]!.publicAddress);
}

/** Processes answering inference requests: exactly one when the cluster is right. */
async function inferenceSubscribers(): Promise<number> {
  const [, count] = (await redis.pubsub('NUMSUB', `${PREFIX}${REQUEST_CHANNEL}`)) as [string, number];
  return Number(count);
}

function track(room: Room<unknown, WorldState>): Player {
  const bubbles: ChatBubble[] = [];
  const tags: ChatTag[] = [];
  const events: Array<{ type: string; payload: unknown }> = [];
  room.onMessage(ServerMessage.Chat, (b: ChatBubble) => bubbles.push(b));
  room.onMessage(ServerMessage.ChatTag, (t: ChatTag) => tags.push(t));
  for (const type of [ServerMessage.Error, ServerMessage.Correction, ServerMessage.ChatHidden, ServerMessage.ChatHeld, ServerMessage.ChatDenied, ServerMessage.PortalGranted, ServerMessage.Shutdown]) {
    room.onMessage(type, (payload: unknown) => events.push({ type, payload }));
  }
  const tagFor = (text: string) => {
    const bubble = bubbles.find((b) => b.text === text);
    return bubble && (bubble.tag ?? tags.find((t) => t.id === bubble.id));
  };
  const player = { room, bubbles, tags, events, tagFor };
  players.push(player);
  return player;
}

/** Poll an async check until it holds. */
async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const listingsOf = async (server: ServerProcess) => (await listings()).filter((l) => l.publicAddress === server.address);

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  database = await createTestDatabase('postgresql');
  const env = {
    ...database.env,
    REDIS_URL,
    REDIS_PREFIX: PREFIX,
    INFERENCE_WORKERS: '1',
    INFERENCE_THREADS: '1',
    INTEREST_UPDATE_MS: '50',
    SHUTDOWN_GRACE_MS: '200',
  };
  const [a, b] = await Promise.all([freePort(), freePort()]);
  servers.push(new ServerProcess('server A', a, env), new ServerProcess('server B', b, env));
}, 30_000);

afterAll(async () => {
  for (const s of servers) if (s.running) s.child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.exited?.catch(() => undefined)));
  // Their servers are gone: the clients would keep trying to reconnect.
  await Promise.all(players.map(({ room }) => Promise.race([room.leave(true).catch(() => undefined), new Promise((r) => setTimeout(r, 500))])));
  await database?.drop();
  // Everything this file put in Redis is under its prefix.
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}, 60_000);

describe('two server processes sharing Redis', () => {
  it('start at once with exactly one inference room between them', async () => {
    const [a, b] = servers;
    a!.start();
    b!.start();
    await Promise.all([a!.ready(), b!.ready()]);
    await eventually('the inference room to be listed', () => inferenceHost(), 10_000);
    // Give both a few lease checks: still exactly one room, answering from exactly one process.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await listings()).filter((l) => l.name === INFERENCE_ROOM)).toHaveLength(1);
    expect(await inferenceSubscribers()).toBe(1);
    expect(await inferenceHost()).toBeDefined();
  });

  it('match players who join through different processes into the same world instance', async () => {
    const host = (await inferenceHost())!;
    const other = servers.find((s) => s !== host)!;
    // Through the inference host: the matchmaker creates the room on the process with fewer rooms, the other one.
    const ana = track(await host.join('plaza', 'Ana'));
    const ben = track(await other.join('plaza', 'Ben'));
    expect(ben.room.roomId).toBe(ana.room.roomId);
    await waitFor('Ben to see Ana', () => ben.room.state.players.get(ana.room.sessionId));
    await waitFor('Ana to see Ben', () => ana.room.state.players.get(ben.room.sessionId));

    // A short step, well within the speed limit however soon after joining it comes.
    const start = ana.room.state.players.get(ana.room.sessionId)!;
    const to = { x: start.x + 0.4, z: start.z - 0.3 };
    ana.room.send('move', { x: to.x, y: 0, z: to.z, rot: 0, anim: 'walk' });
    await waitFor("Ben to see Ana's move", () => {
      const seen = ben.room.state.players.get(ana.room.sessionId);
      return seen && Math.abs(seen.x - to.x) < 1e-3 && Math.abs(seen.z - to.z) < 1e-3;
    }).catch((error: Error) => {
      const seen = ben.room.state.players.get(ana.room.sessionId);
      const self = ana.room.state.players.get(ana.room.sessionId);
      throw new Error(`${error.message}; Ben sees Ana at ${seen?.x},${seen?.z}; Ana is at ${self?.x},${self?.z}; ${JSON.stringify(ana.events)}`);
    });
  });

  it("tag a comment from a room in one process by the inference room in the other", async () => {
    const [ana, ben] = players;
    const world = (await listings()).find((l) => l.roomId === ana!.room.roomId)!;
    const inference = (await listings()).find((l) => l.name === INFERENCE_ROOM)!;
    expect(world.processId, 'the world room should live on the process without the inference room').not.toBe(inference.processId);

    ana!.room.send('chat', { text: 'what a lovely place' });
    const own = await waitFor('Ana to get her badge', () => ana!.tagFor('what a lovely place'), 15_000);
    expect(['positive', 'neutral', 'negative']).toContain(own.sentiment.label);
    await waitFor('Ben to get the badge too', () => ben!.tagFor('what a lovely place'), 15_000);
  });

  it('move the inference room to a surviving process when its process is stopped (SIGTERM), without disturbing the others', async () => {
    const host = (await inferenceHost())!;
    const survivor = servers.find((s) => s !== host)!;
    const [ana, ben] = players;
    let anaLeft = false;
    ana!.room.onLeave(() => (anaLeft = true));

    host.child.kill('SIGTERM');
    expect(await host.exited).toBe(0);
    await eventually('the survivor to host the inference room', async () => (await inferenceHost()) === survivor, 10_000);
    expect(await inferenceSubscribers()).toBe(1);

    // The players' room lives on the survivor: they noticed nothing, and their comments are still tagged.
    expect(anaLeft).toBe(false);
    ben!.room.send('chat', { text: 'still here after the restart' });
    await waitFor('Ben to get his badge from the new inference room', () => ben!.tagFor('still here after the restart'), 15_000);
    const cleo = track(await survivor.join('plaza', 'Cleo'));
    expect(cleo.room.roomId).toBe(ana!.room.roomId);
  });

  it('take a restarted process back into the cluster, and survive a process that is killed', async () => {
    const restarted = servers.find((s) => !s.running)!;
    restarted.start();
    await restarted.ready();
    const victim = servers.find((s) => s !== restarted)!;
    // Joining through the restarted process lands in the existing world instance on the other.
    const dora = track(await restarted.join('plaza', 'Dora'));
    const ana = players[0]!.room;
    expect(dora.room.roomId).toBe(ana.roomId);
    await waitFor('Dora to see Ana', () => dora.room.state.players.get(ana.sessionId));

    // The process with the world room and the inference room dies without a goodbye.
    victim.child.kill('SIGKILL');
    await victim.exited;
    expect(restarted.running).toBe(true);
    // Its lease runs out and the restarted process takes the inference room; its stale listings are swept.
    await eventually('the restarted process to host the inference room', async () => (await inferenceHost()) === restarted, 15_000);
    await eventually('the dead process to be unlisted', async () => (await listingsOf(victim)).length === 0, 15_000);

    const eve = track(await restarted.join('plaza', 'Eve'));
    expect(eve.room.roomId).not.toBe(ana.roomId);
    eve.room.send('chat', { text: 'this place is ___' });
    await waitFor('Eve to get her badge', () => eve.tagFor('this place is ___'), 15_000);
    expect((await fetch(`${restarted.endpoint}/healthz`)).status).toBe(200);
  });
});

describe('RedisLease', () => {
  it('goes to exactly one of several takers, is kept only by its holder, and frees itself when not renewed', async () => {
    const key = `${PREFIX}lease-test`;
    const takers = [0, 1, 2, 3].map(() => new RedisLease(redis, key, 300));
    const won = await Promise.all(takers.map((t) => t.acquire()));
    expect(won.filter(Boolean)).toHaveLength(1);
    const holder = takers[won.indexOf(true)]!;
    const other = takers[won.indexOf(false)]!;
    expect(await other.renew()).toBe(false);
    await other.release(); // not its lease: no effect
    expect(await holder.renew()).toBe(true);
    expect(await other.acquire()).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(await other.acquire()).toBe(true);
    await other.release();
    expect(await redis.exists(key)).toBe(0);
  });
});

describe('cluster configuration', () => {
  it('takes the Redis URL, prefix and public address docker-compose.yaml uses, and refuses malformed ones', () => {
    const env = { REDIS_URL: 'redis://redis:6379/0', REDIS_PREFIX: 'metaverse:', PUBLIC_ADDRESS: 'localhost:8080/s1' };
    expect(loadConfig(env).cluster).toEqual({ redisUrl: 'redis://redis:6379/0', redisPrefix: 'metaverse:', publicAddress: 'localhost:8080/s1' });
    expect(loadConfig({}).cluster).toEqual({ redisUrl: undefined, redisPrefix: '', publicAddress: undefined });
    expect(() => loadConfig({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL="localhost:6379"/);
    expect(() => loadConfig({ PUBLIC_ADDRESS: 'ws://game.example.com/s1' })).toThrow(/PUBLIC_ADDRESS=/);
    expect(() => loadConfig({ REDIS_PREFIX: 'with space' })).toThrow(/REDIS_PREFIX=/);
  });

  it('refuses to start when Redis cannot be reached, naming the URL without its password', async () => {
    const failure = openCluster({ redisUrl: 'redis://:hunter2-secret@127.0.0.1:1/0', redisPrefix: '', publicAddress: undefined });
    await expect(failure).rejects.toThrow(/could not reach Redis at redis:\/\/\*\*\*@127\.0\.0\.1:1\/0/);
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });
});
