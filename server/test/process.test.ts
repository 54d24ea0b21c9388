/** The server as an operator runs it: a real process, its exit codes, and SIGTERM. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client } from '@colyseus/sdk';
import { ServerMessage, WorldState, type ShutdownEvent } from '../../shared/src/index.js';
import { WORLD_ROOM } from '../src/rooms/WorldRoom.js';
import { freePort, waitFor } from './helpers.js';

const MAIN = ['--import', 'tsx', 'server/src/main.ts'];
/** Each spawned server gets its own embedded database folder, removed after the file's tests. */
const dataDirs: string[] = [];
const freshDataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'metaverse-data-'));
  dataDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});
const SYSTEM_NODE = '/usr/bin/node';
const systemNodeMajor = Number(spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout?.trim() || 0);

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

describe('starting the server', () => {
  it.skipIf(!(systemNodeMajor > 0 && systemNodeMajor < 22))(
    'refuses to start on a Node.js older than 22, saying why (skipped when the system Node is 22+ or missing)',
    () => {
      const run = spawnSync(SYSTEM_NODE, MAIN, { encoding: 'utf8', env: { ...process.env, PORT: '0' } });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('needs Node.js 22 or newer');
      expect(run.stderr).toContain('npm start');
    },
  );

  it('refuses bad configuration, naming each bad variable', () => {
    const run = spawnSync(process.execPath, MAIN, {
      encoding: 'utf8',
      env: { ...process.env, PORT: 'eighty', MAX_CLIENTS_PER_ROOM: '0' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Invalid configuration');
    expect(run.stderr).toMatch(/PORT="eighty"/);
    expect(run.stderr).toMatch(/MAX_CLIENTS_PER_ROOM="0"/);
  });

  it('refuses a missing or malformed model folder, saying what is wrong', () => {
    const run = spawnSync(process.execPath, MAIN, {
      encoding: 'utf8',
      env: { ...process.env, PORT: '0', DATA_DIR: freshDataDir(), SENTIMENT_MODEL: '/nonexistent/sentiment-model', FILL_MASK_MODEL: '/nonexistent/fill-mask-model' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/could not start: model folder \/nonexistent\/(sentiment|fill-mask)-model: does not exist/);
  });
});

describe('SIGTERM', () => {
  it('stops taking joins, tells players, lets rooms close and exits 0', async () => {
    const port = await freePort();
    child = spawn(process.execPath, MAIN, {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_GRACE_MS: '1500', INFERENCE_WORKERS: '0', DATA_DIR: freshDataDir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await waitFor('server listening', () => output.includes('listening'), 15000);

    const endpoint = `http://127.0.0.1:${port}`;
    const room = await new Client(endpoint).joinOrCreate(WORLD_ROOM, { worldId: 'plaza', name: 'Tess' }, WorldState);
    const notices: ShutdownEvent[] = [];
    room.onMessage(ServerMessage.Shutdown, (m: ShutdownEvent) => notices.push(m));
    const left = new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));

    child.kill('SIGTERM');
    await waitFor('the shutdown notice', () => notices[0]);
    expect(notices[0]!.message).toMatch(/restarting/);
    const health = await fetch(`${endpoint}/healthz`);
    expect(health.status).toBe(503);
    await expect(new Client(endpoint).joinOrCreate(WORLD_ROOM, { worldId: 'plaza', name: 'Late' }, WorldState)).rejects.toThrow();

    expect(await left).toBeGreaterThan(0);
    expect(await exited).toBe(0);
  });
});
