/**
 * Nothing a player wrote is lost: a server killed with SIGKILL between storing
 * a comment and tagging it comes back with the comment stored, and the
 * backfill tags it once inference runs (on the embedded PGlite and on PostgreSQL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Client } from '@colyseus/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { ServerMessage, WorldState, type ChatBubble, type CommentView } from '../../shared/src/index.js';
import { openDatabase } from '../src/db/open.js';
import { ModeratorAuth } from '../src/moderation/auth.js';
import { loadConfig } from '../src/config.js';
import { WORLD_ROOM } from '../src/rooms/WorldRoom.js';
import { freePort, waitFor } from './helpers.js';
import { DATABASE_KINDS, api, createTestDatabase, login, type TestDatabase } from './moderationHelpers.js';

const MAIN = ['--import', 'tsx', 'server/src/main.ts'];
/** The trained models the inference workers load; the tagging half needs them. */
const MODELS_PRESENT = existsSync('models/sentiment') && existsSync('models/fill-mask');

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; endpoint: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, MAIN, {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', BACKFILL_INTERVAL_MS: '300', INFERENCE_TIMEOUT_MS: '2000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await waitFor(`server listening (output so far: ${output})`, () => output.includes('listening') || child.exitCode !== null, 60_000);
  if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
  return { child, endpoint: `http://127.0.0.1:${port}` };
}

describe.each(DATABASE_KINDS)('crash and restart on %s', (kind) => {
  let db: TestDatabase;
  afterAll(async () => {
    await db?.drop();
  });

  it(`keeps a comment stored before SIGKILL, and ${MODELS_PRESENT ? 'tags it after the restart' : 'leaves it pending (no trained models in models/: the tagging half is skipped)'}`, async () => {
    db = await createTestDatabase(kind);
    const first = await startServer({ ...db.env, INFERENCE_WORKERS: '0' });
    const room = await new Client(first.endpoint).joinOrCreate(WORLD_ROOM, { worldId: 'plaza', name: 'Survivor' }, WorldState);
    const own = new Promise<ChatBubble>((resolve) => room.onMessage(ServerMessage.Chat, resolve));
    room.onLeave(() => undefined);
    room.send('chat', { text: 'please remember me' });
    // The speaker sees the bubble only once it is stored.
    const bubble = await own;
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    // While the server is down: the comment is there, untagged, and an admin is added for the checks below.
    const reopened = await openDatabase({ databaseUrl: db.env.DATABASE_URL, dataDir: db.env.DATA_DIR ?? '' });
    const stored = await reopened.prisma.comment.findUnique({ where: { id: bubble.id } });
    expect(stored).toMatchObject({ text: 'please remember me', authorName: 'Survivor', taggedAt: null });
    await new ModeratorAuth(reopened.prisma, loadConfig({}).moderation).createModerator('crash.admin', 'crash admin password', 'admin');
    await reopened.close();

    const second = await startServer({ ...db.env, INFERENCE_WORKERS: MODELS_PRESENT ? '1' : '0' });
    const token = await login(second.endpoint, 'crash.admin', 'crash admin password');
    const fetchComment = async () => (await api<{ comment: CommentView }>(second.endpoint, 'GET', `/comments/${bubble.id}`, { token })).body.comment;
    expect((await fetchComment()).text).toBe('please remember me');
    if (MODELS_PRESENT) {
      let latest: CommentView | undefined;
      await waitFor('the backfill to tag it', () => {
        void fetchComment().then((c) => (latest = c));
        // The tag is written first, then AutoMod's decision: wait for both.
        return latest?.sentiment && latest.status !== 'pending' ? latest : undefined;
      }, 60_000);
      expect(latest!.sentiment!.label).toMatch(/positive|neutral|negative/);
      expect(latest!.status).not.toBe('pending');
    } else {
      expect((await fetchComment()).status).toBe('pending');
    }
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  }, 120_000);
});
