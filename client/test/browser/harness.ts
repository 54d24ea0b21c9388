/**
 * Browser test harness: builds the client once, starts a real game server
 * that serves it, and drives Debian's Chromium through playwright-core with
 * the flags DESIGN.md found to work here (software WebGL, small viewport).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type {} from '../../src/main.js'; // window.__metaverse's type

export const ROOT = new URL('../../../', import.meta.url).pathname;
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const VIEWPORT = { width: 640, height: 360 };
export const RESULTS_DIR = join(ROOT, 'test-results');

/** Build the client into dist/client, where the game server serves it from. */
export async function buildClient(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'client/vite.config.ts', '--logLevel', 'warn'], {
    cwd: ROOT,
    // Vitest sets NODE_ENV=test, which would make Vite build a development bundle.
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

/** Models present means the server can tag comments; without them it starts with no inference workers. */
export function modelsPresent(): boolean {
  return ['models/fill-mask', 'models/sentiment'].every((p) => existsSync(join(ROOT, p)));
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'metaverse-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: VIEWPORT,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await mkdir(RESULTS_DIR, { recursive: true });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** A page that joins `world` as `name` straight away; page errors are kept for failure messages. */
export async function openPlayer(browser: Browser, endpoint: string, name: string, world: string, color: string): Promise<Page & { errors: string[] }> {
  const page = Object.assign(await browser.context.newPage(), { errors: [] as string[] });
  page.on('pageerror', (e) => page.errors.push(e.message));
  // Failed HTTP requests are logged by the browser itself (e.g. suggestions while fill-mask is down); only script errors count.
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && page.errors.push(m.text()));
  await page.goto(`${endpoint}/?name=${encodeURIComponent(name)}&world=${world}&color=${encodeURIComponent(color)}&join=1`);
  await waitReady(page, world);
  return page;
}

export async function waitReady(page: Page, world: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction((w) => window.__metaverse?.ready === true && window.__metaverse.worldId === w, world, { timeout });
}

/** Type into the chat box the way a player does: Enter to focus, type, Enter to send. */
export async function say(page: Page, text: string): Promise<void> {
  await page.keyboard.press('Enter');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** A screenshot once a few frames have rendered. */
export async function screenshot(page: Page, file: string): Promise<void> {
  await page.waitForFunction(() => (window.__metaverse?.frameTimes().length ?? 0) > 10);
  await page.screenshot({ path: join(RESULTS_DIR, file) });
}
