/**
 * The client in a real browser against a real game server: two players see
 * each other move, chat shows as bubbles that get their sentiment badge, gaps
 * get filled, portals switch worlds, held comments are announced, and each
 * world is photographed into test-results/.
 *
 * The badge, gap and held tests need the server's inference (models in
 * models/) and moderation (AutoMod) parts; without them they fail, by design.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../../../server/test/helpers.js';
import { createTestDatabase, type TestDatabase } from '../../../server/test/moderationHelpers.js';
import { launchBrowser, modelsPresent, openPlayer, say, screenshot, waitReady, type Browser } from './harness.js';

let srv: TestServer;
let db: TestDatabase;
let browser: Browser;
let ann: Page & { errors: string[] };
let bob: Page & { errors: string[] };

const sessionOf = (page: Page) => page.evaluate(() => window.__metaverse!.sessionId!);
const positionOf = (page: Page) => page.evaluate(() => window.__metaverse!.position()!);

/** Wait until `watcher` draws `mover` more than `metres` away from where it was. */
async function waitSeenMoving(watcher: Page, moverId: string, from: { x: number; z: number }, metres: number): Promise<void> {
  await watcher.waitForFunction(
    ([id, x, z, d]) => {
      const p = window.__metaverse!.remotePlayers().find((r) => r.sessionId === id);
      return !!p && Math.hypot(p.x - (x as number), p.z - (z as number)) > (d as number);
    },
    [moverId, from.x, from.z, metres] as const,
    { timeout: 10_000 },
  );
}

beforeAll(async () => {
  db = await createTestDatabase('pglite');
  // With persistence and AutoMod, as `npm start` runs: a strongly negative comment is held by its tag.
  srv = await startTestServer(
    { ...db.env, INFERENCE_WORKERS: modelsPresent() ? '1' : '0', CHAT_BURST: '20', AUTOMOD_NEGATIVE_THRESHOLD: '0.8' },
    { moderation: true },
  );
  browser = await launchBrowser();
  ann = await openPlayer(browser, srv.endpoint, 'Ann', 'plaza', '#e63946');
  bob = await openPlayer(browser, srv.endpoint, 'Bob', 'plaza', '#00bbf9');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await db?.drop();
});

describe('the game in a browser', () => {
  it('is served by the game server, with the moderator dashboard beside it', async () => {
    const game = await fetch(`${srv.endpoint}/`);
    expect(game.status).toBe(200);
    expect(await game.text()).toContain('id="start-form"');
    const dashboard = await fetch(`${srv.endpoint}/moderator/`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('shows a refused name in words on the start screen', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${srv.endpoint}/?name=x&world=forest&join=1`);
    await expect.poll(() => page.locator('#start-error').textContent(), { timeout: 10_000 }).toBe('Name must be at least 2 characters');
    expect(await page.locator('#start').isVisible()).toBe(true);
    await page.close();
  }, 30_000);

  it('lets two players in one world see each other move', async () => {
    const annId = await sessionOf(ann);
    const bobId = await sessionOf(bob);
    await bob.waitForFunction((id) => window.__metaverse!.remotePlayers().some((r) => r.sessionId === id), annId, { timeout: 10_000 });
    await ann.waitForFunction((id) => window.__metaverse!.remotePlayers().some((r) => r.sessionId === id), bobId, { timeout: 10_000 });
    expect(await bob.locator(`.tag[data-session="${annId}"] .name`).textContent()).toBe('Ann');
    expect(await ann.locator('#hud-players').textContent()).toBe('2');
    await screenshot(ann, 'world-plaza.png');

    // Ann walks with the keyboard; Bob sees her go (and her walking animation state).
    const annStart = await positionOf(ann);
    await ann.keyboard.down('KeyW');
    await waitSeenMoving(bob, annId, annStart, 2);
    await ann.keyboard.up('KeyW');
    expect(await ann.evaluate(() => window.__metaverse!.position())).not.toEqual(annStart);

    // Bob strafes with the arrow keys; Ann sees him.
    const bobStart = await positionOf(bob);
    await bob.keyboard.down('ArrowRight');
    await waitSeenMoving(ann, bobId, bobStart, 2);
    await bob.keyboard.up('ArrowRight');
  }, 60_000);

  it("shows a comment as a bubble over the speaker's head on the other page, then its sentiment badge", async () => {
    const annId = await sessionOf(ann);
    await say(ann, 'what a lovely sunny day, I love it here');
    const bubble = bob.locator(`.tag[data-session="${annId}"] .bubble`);
    await expect.poll(() => bubble.textContent(), { timeout: 10_000 }).toContain('what a lovely sunny day');
    expect(await bob.locator('#chat-log li').last().textContent()).toContain('Ann: what a lovely sunny day');
    // The badge arrives with the server's chat-tag: colour class, icon, and words for screen readers.
    const badge = bubble.locator('.badge');
    await badge.waitFor({ timeout: 15_000 });
    expect(await badge.getAttribute('data-sentiment')).toMatch(/^(positive|neutral|negative)$/);
    expect(await badge.locator('.sr-only').textContent()).toMatch(/sentiment/);
  }, 40_000);

  it('highlights the word the model filled into a gap', async () => {
    const annId = await sessionOf(ann);
    await say(ann, 'this place is ___');
    const filled = bob.locator(`.tag[data-session="${annId}"] .bubble mark.filled`);
    await filled.waitFor({ timeout: 15_000 });
    expect((await filled.textContent())!.trim().length).toBeGreaterThan(0);
    expect(await bob.locator(`.tag[data-session="${annId}"] .bubble`).textContent()).not.toContain('___');
  }, 30_000);

  it('suggests words while a gap is typed, and puts the chosen one in', async () => {
    await bob.keyboard.press('Enter');
    await bob.keyboard.type('the water is ___');
    const suggestion = bob.locator('#suggestions button').first();
    await suggestion.waitFor({ timeout: 15_000 });
    const word = (await suggestion.textContent())!;
    await suggestion.dispatchEvent('mousedown');
    expect(await bob.locator('#chat-input').inputValue()).toBe(`the water is ${word}`);
    await bob.keyboard.press('Escape');
    await bob.locator('#chat-input').fill('');
  }, 30_000);

  it('tells the speaker when a comment is held for review', async () => {
    await say(bob, 'I hate you all, you are stupid worthless idiots and this is the worst awful place');
    const notice = bob.locator('#notices .notice.held');
    await notice.waitFor({ timeout: 15_000 });
    expect(await notice.textContent()).toMatch(/held for review/);
  }, 30_000);

  it('switches world when a player walks into a portal, and shows each world', async () => {
    const plazaPortal = { x: 45, z: 0 }; // plaza-to-forest, shared/src/worlds.ts
    await ann.bringToFront();
    await ann.evaluate(({ x, z }) => window.__metaverse!.walkTo(x, z), plazaPortal);
    await waitReady(ann, 'forest', 30_000);
    expect(await ann.locator('#hud-world').textContent()).toBe('The Forest');
    const arrived = await positionOf(ann);
    expect(Math.hypot(arrived.x - -49, arrived.z - 0)).toBeLessThan(2); // the portal's arrival point
    // Bob no longer sees her in the plaza.
    const annLeft = await bob.waitForFunction(() => window.__metaverse!.remotePlayers().length === 0, undefined, { timeout: 10_000 });
    expect(annLeft).toBeTruthy();
    // To the lake shore for the picture (the lake is east of here, where the camera looks).
    await ann.evaluate(() => window.__metaverse!.walkTo(4, -14));
    await ann.waitForFunction(() => window.__metaverse!.position()!.x > 3, undefined, { timeout: 20_000 });
    await screenshot(ann, 'world-forest.png');

    await ann.evaluate(() => window.__metaverse!.walkTo(0, -55)); // forest-to-harbour
    await waitReady(ann, 'harbour', 40_000);
    expect(await ann.locator('#hud-world').textContent()).toBe('The Harbour');
    // Walk up to the water's edge for the picture: piers and boats ahead.
    await ann.evaluate(() => window.__metaverse!.walkTo(0, -30));
    await ann.waitForFunction(() => window.__metaverse!.position()!.z < -29, undefined, { timeout: 20_000 });
    await screenshot(ann, 'world-harbour.png');
    expect(ann.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  }, 90_000);
});
