/**
 * Client benchmark (`npm run bench:client`): builds the client, serves it from
 * a real game server, fills the plaza with 100 simulated players (SDK clients
 * in Node walking circles at 10 Hz near the spawn), opens the game in headless
 * Chromium at 640x360 and records:
 * - bundleGzipKb: the game page's JS loaded at once (entry + static imports), gzipped; lazily loaded
 *   chunks (shaders, texture loaders) are listed apart as lazyChunksGzipKb;
 * - readyMs: navigation start to world ready (first state in, scene ready);
 * - jsMsPerFrame: median JS time per frame (our update + Babylon's render submission), measured in the page;
 * - fps: frames per second, under software rendering (SwiftShader) on a shared CPU: says little about a real GPU.
 * Writes bench/results/client.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client, type Room } from '@colyseus/sdk';
import { startTestServer } from '../../server/test/helpers.js';
import { WorldState } from '../../shared/src/state.js';
import { WORLDS } from '../../shared/src/worlds.js';
import { ROOT, VIEWPORT, buildClient, launchBrowser } from '../test/browser/harness.js';

const BOTS = 100;
const WORLD = WORLDS.plaza;
const MEASURE_MS = 5000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

await buildClient();
// The game page's chunks from Vite's manifest: what loads at once (entry + static imports) and what loads lazily.
type Manifest = Record<string, { file: string; imports?: string[]; dynamicImports?: string[] }>;
const manifest = JSON.parse(readFileSync(join(ROOT, 'dist/client/.vite/manifest.json'), 'utf8')) as Manifest;
const gzKb = (file: string) => gzipSync(readFileSync(join(ROOT, 'dist/client', file))).length / 1024;
function closure(keys: string[], follow: 'imports' | 'dynamicImports', seen = new Set<string>()): Set<string> {
  for (const key of keys) {
    if (seen.has(key)) continue;
    seen.add(key);
    closure(manifest[key]?.imports ?? [], 'imports', seen);
    if (follow === 'dynamicImports') closure(manifest[key]?.dynamicImports ?? [], 'dynamicImports', seen);
  }
  return seen;
}
const initial = closure(['index.html'], 'imports');
const lazy = [...closure(['index.html'], 'dynamicImports')].filter((k) => !initial.has(k));
const sumKb = (keys: Iterable<string>) => [...keys].reduce((s, k) => s + gzKb(manifest[k]!.file), 0);

const srv = await startTestServer({ INFERENCE_WORKERS: '0', MAX_CLIENTS_PER_ROOM: String(BOTS + 10), INTEREST_UPDATE_MS: '200' });
const bots: Room<unknown, WorldState>[] = [];
for (let i = 0; i < BOTS; i++) {
  const bot = await new Client(srv.endpoint).joinOrCreate('world', { worldId: WORLD.id, name: `Bot ${i + 1}` }, WorldState);
  bot.onMessage('*', () => undefined); // corrections and chat: bots do not care
  bots.push(bot);
}
// Each bot walks its own circle around the spawn (all within the viewer's interest radius).
const started = Date.now();
const walker = setInterval(() => {
  const t = (Date.now() - started) / 1000;
  bots.forEach((room, i) => {
    const radius = 6 + (i % 10) * 1.3;
    const a = t * (2 / radius) + i;
    const x = WORLD.spawn.x + Math.cos(a) * radius;
    const z = WORLD.spawn.z + 14 + Math.sin(a) * radius;
    room.send('move', { x, y: 0, z, rot: a + Math.PI, anim: 'walk' });
  });
}, 100);

const browser = await launchBrowser();
let result: Record<string, unknown>;
try {
  const page = await browser.context.newPage();
  await page.goto(`${srv.endpoint}/?name=Bench&world=${WORLD.id}&join=1`);
  await page.waitForFunction(() => window.__metaverse?.ready === true, undefined, { timeout: 60_000 });
  const readyMs = await page.evaluate(() => window.__metaverse!.readyAt!);
  await page.waitForFunction((n) => window.__metaverse!.remotePlayers().length >= n, BOTS * 0.9, { timeout: 30_000 });
  const visible = await page.evaluate(() => window.__metaverse!.remotePlayers().length);
  const before = await page.evaluate(() => window.__metaverse!.frameCount());
  const t0 = Date.now();
  await page.waitForTimeout(MEASURE_MS);
  const { frames, count } = await page.evaluate(() => ({ frames: window.__metaverse!.frameTimes(), count: window.__metaverse!.frameCount() }));
  const seconds = (Date.now() - t0) / 1000;
  // frameTimes keeps the most recent frames; take those drawn during the window.
  const window_ = frames.slice(-(count - before));
  result = {
    date: new Date().toISOString(),
    viewport: `${VIEWPORT.width}x${VIEWPORT.height}`,
    simulatedPlayers: BOTS,
    avatarsDrawn: visible + 1,
    bundleGzipKb: round(sumKb(initial), 1),
    lazyChunksGzipKb: round(sumKb(lazy), 1),
    readyMs: Math.round(readyMs),
    jsMsPerFrame: round(median(window_)),
    jsMsPerFrameP90: round([...window_].sort((a, b) => a - b)[Math.floor(window_.length * 0.9)] ?? NaN),
    fps: round(window_.length / seconds, 1),
    fpsNote: 'headless Chromium with SwiftShader (software WebGL, --disable-gpu) on a shared 2-core CPU; JS time per frame is the meaningful figure',
    targets: { bundleGzipKb: 500, readyMs: 3000, jsMsPerFrame: 4 },
  };
} finally {
  clearInterval(walker);
  await browser.close();
  await Promise.all(bots.map((b) => b.leave().catch(() => undefined)));
  await srv.stop();
}
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/client.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(result);
process.exit(0);
