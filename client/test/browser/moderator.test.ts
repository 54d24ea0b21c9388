/**
 * The moderator dashboard in a real browser against a real game server with
 * moderation (PGlite): login errors in words; XSS payloads in comments,
 * reasons and names rendered as inert text; a held comment arriving live,
 * approved with the keyboard and reaching another player's room; catch-up
 * after the feed drops; filters and "load more". A screenshot of the
 * dashboard goes to test-results/moderator-dashboard.png.
 *
 * Runs without inference workers: the blocked term holds comments at once,
 * and the mood chart's data is tagged through the moderation service.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerMessage, type ChatBubble, type ChatModerationEvent } from '../../../shared/src/index.js';
import { Inbox, sleep, startTestServer, type TestServer, type WorldRoomClient } from '../../../server/test/helpers.js';
import { api, createTestDatabase, login, type TestDatabase } from '../../../server/test/moderationHelpers.js';
import { RESULTS_DIR, launchBrowser, type Browser } from './harness.js';

const ADMIN = { login: 'chief', password: 'a long admin password' };
const BLOCKED = 'grumbleword';
const XSS = ['<img src=x onerror=window.__xss=1>', '<script>window.__xss=1</script>', '"><svg onload=window.__xss=1>'];
const VIEWPORT = { width: 1024, height: 700 };

let db: TestDatabase;
let t: TestServer;
let browser: Browser;
let token: string;
const rooms: WorldRoomClient[] = [];

type DashboardPage = Page & { errors: string[] };

/** Records every <img>, <script>, <svg>, <iframe> and <object> put into the page, from before its first byte. */
function watchCreatedElements(): void {
  const w = window as unknown as { __created: string[] };
  w.__created = [];
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      for (const node of m.addedNodes) {
        if (!(node instanceof Element)) continue;
        for (const e of [node, ...node.querySelectorAll('*')]) {
          if (/^(img|script|svg|iframe|object)$/i.test(e.tagName)) w.__created.push(e.outerHTML.slice(0, 120));
        }
      }
    }
  }).observe(document, { childList: true, subtree: true });
}

async function openDashboard(): Promise<DashboardPage> {
  const page = Object.assign(await browser.context.newPage(), { errors: [] as string[] });
  await page.setViewportSize(VIEWPORT);
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && page.errors.push(m.text()));
  await page.addInitScript(watchCreatedElements);
  await page.goto(`${t.endpoint}/moderator/`);
  return page;
}

async function logIn(page: Page, name = ADMIN.login, password = ADMIN.password): Promise<void> {
  await page.getByLabel('Login', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function loggedInDashboard(): Promise<DashboardPage> {
  const page = await openDashboard();
  await logIn(page);
  await page.locator('#feed-state[data-state="live"]').waitFor({ timeout: 10_000 });
  return page;
}

async function joinPlayer(name: string) {
  const room = await t.join({ worldId: 'plaza', name });
  rooms.push(room);
  return { room, inbox: new Inbox(room) };
}

/** Say something and return the comment's id (from the speaker's own bubble). */
async function say(player: { room: WorldRoomClient; inbox: Inbox }, text: string): Promise<string> {
  player.room.send('chat', { text });
  return (await player.inbox.next<ChatBubble>(ServerMessage.Chat, (b) => b.text === text)).id;
}

/** Tagged comments over the last hours, so the mood chart has lines. */
async function seedMood(): Promise<void> {
  const service = t.moderation!.service;
  const texts = ['lovely fountain', 'nice music here', 'where is the portal', 'so calm by the lake', 'boats look great', 'a bit crowded'];
  const base: Record<string, number> = { plaza: 0.7, forest: 0.82, harbour: 0.55 };
  for (const worldId of ['plaza', 'forest', 'harbour']) {
    for (let i = 0; i < 10; i++) {
      const id = crypto.randomUUID();
      const positive = Math.min(0.98, Math.max(0.2, base[worldId]! + 0.15 * Math.sin(i / 1.7 + worldId.length)));
      await service.receive({
        id,
        worldId,
        roomId: 'seed-room',
        sessionId: `seed-${worldId}-${i}`,
        name: ['Ava', 'Ben', 'Cleo', 'Dev', 'Eli'][i % 5]!,
        text: texts[(i + worldId.length) % texts.length]!,
        createdAt: new Date(Date.now() - (10 - i) * 35 * 60_000),
      });
      await service.applyTag(id, { sentiment: { label: positive > 0.65 ? 'positive' : positive < 0.35 ? 'negative' : 'neutral', positive } }, () => undefined);
    }
  }
}

beforeAll(async () => {
  db = await createTestDatabase('pglite');
  t = await startTestServer(
    {
      ...db.env,
      AUTOMOD_WORLDS: JSON.stringify({ plaza: { blockedTerms: [BLOCKED] } }),
      AUTOMOD_TAG_DEADLINE_MS: '50',
      MODERATOR_LOGIN_MAX_FAILURES: '2',
      CHAT_BURST: '20',
    },
    { moderation: true },
  );
  await t.moderation!.auth.createModerator(ADMIN.login, ADMIN.password, 'admin');
  await t.moderation!.auth.createModerator('locked.out', 'another long password', 'moderator');
  token = await login(t.endpoint, ADMIN.login, ADMIN.password);
  await seedMood();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(rooms.map((r) => Promise.race([r.leave().catch(() => undefined), sleep(1000)])));
  await t?.stop();
  await db?.drop();
});

describe('the moderator dashboard in a browser', () => {
  it('says in words why a login failed: wrong password, then locked with the time to wait', async () => {
    const page = await openDashboard();
    const error = page.locator('#login-error');
    await logIn(page, 'locked.out', 'not the password');
    await expect.poll(() => error.textContent()).toBe('Wrong login or password.');
    await logIn(page, 'locked.out', 'still not the password');
    await expect.poll(() => error.textContent()).toMatch(/^This account is locked after too many failed logins\. Try again in 15 minutes \(at .+\)\.$/);
    expect(await page.locator('#app').isHidden()).toBe(true);
    expect(page.errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('renders XSS payloads in comments, reasons and names as inert text', async () => {
    // Through a real room: player names are validated there, so the payloads go in the comments.
    const mallory = await joinPlayer('img src.x onerror');
    const said = [];
    for (const payload of XSS) said.push(await say(mallory, payload));
    const held = await say(mallory, `${BLOCKED} ${XSS[0]}`);
    // Names the APIs do let through: a sanction's name and reason are free text (up to 40 / 500 characters).
    expect((await api(t.endpoint, 'POST', '/players/mute', { token, body: { name: XSS[0], minutes: 60, reason: XSS[1] } })).status).toBe(201);
    // And a stored author name that never passed the room's validation (another version, another process).
    await t.moderation!.service.receive({ id: crypto.randomUUID(), worldId: 'forest', roomId: 'r', sessionId: 's', name: XSS[1]!, text: XSS[2]!, createdAt: new Date() });

    const page = await loggedInDashboard();
    const heldRow = page.locator(`#held-list li[data-id="${held}"]`);
    await heldRow.waitFor({ timeout: 10_000 });
    expect(await heldRow.locator('.text').textContent()).toBe(`${BLOCKED} ${XSS[0]}`);
    for (const [i, id] of said.entries()) {
      expect(await page.locator(`#stream-list li[data-id="${id}"] .text`).textContent()).toBe(XSS[i]);
    }
    expect(await page.locator('#stream-list .author').allTextContents()).toContain(XSS[1]);
    await expect.poll(() => page.locator('#sanctions').textContent()).toContain(XSS[0]);
    expect(await page.locator('#sanctions').textContent()).toContain(XSS[1]);

    // One more arriving live through the feed, while the page is open.
    const live = await say(mallory, `${XSS[1]} live`);
    await expect.poll(() => page.locator(`#stream-list li[data-id="${live}"] .text`).textContent({ timeout: 10_000 })).toBe(`${XSS[1]} live`);

    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await page.locator('#app img, #app script, #app svg, #app iframe, #app object').count()).toBe(0);
    // Nothing of the kind was ever added, apart from Vite's own entry script.
    const created = await page.evaluate(() => (window as unknown as { __created: string[] }).__created);
    expect(created.filter((html) => !/^<script type="module" crossorigin="" src="\/assets\/[\w.-]+\.js"><\/script>$/.test(html))).toEqual([]);
    expect(page.errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows a held comment live, approves it with the keyboard, and the other player sees the bubble', async () => {
    const page = await loggedInDashboard();
    const hank = await joinPlayer('Hank');
    const hazel = await joinPlayer('Hazel');

    const id = await say(hank, `you are such a ${BLOCKED}`);
    const notice = await hank.inbox.next<ChatModerationEvent>(ServerMessage.ChatHeld, (e) => e.id === id);
    expect(notice.reason).toMatch(/blocked term/);

    // It arrives through the feed at the top of the held queue, and is announced to screen readers.
    const row = page.locator(`#held-list li[data-id="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await page.locator('#held-list li').first().getAttribute('data-id')).toBe(id);
    await expect.poll(() => page.locator('#announcer').textContent()).toBe(`New held comment from Hank: you are such a ${BLOCKED}`);
    expect(hazel.inbox.all<ChatBubble>(ServerMessage.Chat).some((b) => b.id === id)).toBe(false);

    await page.locator('#held-title').click(); // focus out of any field, as a moderator would
    await page.keyboard.press('j');
    await expect.poll(() => page.locator('#held-list li.selected').getAttribute('data-id')).toBe(id);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-id'))).toBe(id);
    await page.screenshot({ path: join(RESULTS_DIR, 'moderator-dashboard.png') });

    await page.keyboard.press('a');
    // The confirmation is shown for a few seconds: read it while it is there.
    await expect.poll(() => page.locator('#flash').textContent(), { timeout: 10_000 }).toBe("Approved Hank's comment.");
    const bubble = await hazel.inbox.next<ChatBubble>(ServerMessage.Chat, (b) => b.id === id, 10_000);
    expect(bubble).toMatchObject({ name: 'Hank', text: `you are such a ${BLOCKED}` });
    await row.waitFor({ state: 'detached' });
    await expect.poll(() => page.locator(`#stream-list li[data-id="${id}"]`).getAttribute('data-status')).toBe('visible');
    expect(page.errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('catches up on what it missed while the feed was down', async () => {
    const page = await loggedInDashboard();
    const ivy = await joinPlayer('Ivy');
    await page.evaluate(() => window.__moderation!.pauseFeed());
    await page.locator('#feed-state[data-state="reconnecting"]').waitFor();
    const id = await say(ivy, `a ${BLOCKED} while nobody watched`);
    await ivy.inbox.next(ServerMessage.ChatHeld, (e: ChatModerationEvent) => e.id === id);
    expect(await page.locator(`#held-list li[data-id="${id}"]`).count()).toBe(0);

    await page.evaluate(() => window.__moderation!.resumeFeed());
    await page.locator(`#held-list li[data-id="${id}"]`).waitFor({ timeout: 10_000 });
    await page.locator('#feed-state[data-state="live"]').waitFor();
    expect(page.errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('filters the comments and loads older ones on demand', async () => {
    const page = await loggedInDashboard();
    const stream = page.locator('#stream-list li');
    await expect.poll(() => stream.count()).toBe(30);
    const more = page.getByRole('button', { name: 'Load more', exact: true });
    await more.click();
    await expect.poll(() => stream.count()).toBeGreaterThan(30);

    await page.getByLabel('World', { exact: true }).selectOption('forest');
    await page.getByLabel('Sentiment', { exact: true }).selectOption('positive');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(async () => new Set(await page.locator('#stream-list .world').allTextContents())).toEqual(new Set(['The Forest']));
    expect(await page.locator('#stream-list .badge').allTextContents()).toSatisfy((badges: string[]) => badges.length > 0 && badges.every((b) => b.startsWith('positive')));

    await page.getByLabel('Text', { exact: true }).fill('calm');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await page.locator('#stream-list .text').allTextContents()).every((s) => s.includes('calm'))).toBe(true);
    expect(await page.locator('#mood-summary li').count()).toBe(3);
    expect(page.errors).toEqual([]);
    await page.close();
  }, 30_000);
});
