import { describe, expect, it } from 'vitest';
import { WORLDS, WORLD_IDS, chatPayload, clampToBounds, displayName, joinOptions, movePayload, recoverFilledGaps } from '../src/index.js';

describe('worlds', () => {
  it('has three worlds whose portals lead to each other and land inside bounds, outside the far portal', () => {
    expect(WORLD_IDS).toEqual(['plaza', 'forest', 'harbour']);
    for (const world of Object.values(WORLDS)) {
      expect(clampToBounds(world.spawn, world.bounds).clamped).toBe(false);
      for (const portal of world.portals) {
        const target = WORLDS[portal.to];
        expect(clampToBounds(portal.position, world.bounds).clamped).toBe(false);
        expect(clampToBounds(portal.arrival, target.bounds).clamped).toBe(false);
        const back = target.portals.find((p) => p.to === world.id);
        expect(back, `${target.id} has a portal back to ${world.id}`).toBeDefined();
        expect(Math.hypot(portal.arrival.x - back!.position.x, portal.arrival.z - back!.position.z)).toBeGreaterThan(back!.radius + 1);
      }
    }
  });
});

describe('validation', () => {
  it('normalises display names and rejects bad ones', () => {
    expect(displayName.parse('  Zoë   K ')).toBe('Zoë K');
    expect(displayName.parse('李小龙')).toBe('李小龙');
    for (const bad of ['a', ' ', 'x'.repeat(21), '<b>hi</b>', '-dash', 'tab\there?']) {
      expect(displayName.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('accepts only finite numbers and known animations in moves', () => {
    expect(movePayload.safeParse({ x: 1, y: 0, z: 2, rot: 0.5, anim: 'run' }).success).toBe(true);
    expect(movePayload.safeParse({ x: Number.NaN, y: 0, z: 2, rot: 0, anim: 'run' }).success).toBe(false);
    expect(movePayload.safeParse({ x: 1, y: 0, z: 2, rot: 0, anim: 'moonwalk' }).success).toBe(false);
  });

  it('trims chat and bounds its length', () => {
    expect(chatPayload.parse({ text: '  hi  ' })).toEqual({ text: 'hi' });
    expect(chatPayload.safeParse({ text: 'x'.repeat(281) }).success).toBe(false);
    expect(chatPayload.safeParse({ text: 'x'.repeat(280) }).success).toBe(true);
  });

  it('checks join options', () => {
    expect(joinOptions.safeParse({ worldId: 'forest', name: 'Ann' }).success).toBe(true);
    expect(joinOptions.safeParse({ worldId: 'mars', name: 'Ann' }).success).toBe(false);
  });
});

describe('recoverFilledGaps', () => {
  it('recovers the word that filled each gap from the stored texts', () => {
    expect(recoverFilledGaps('this place is ___ and [MASK] too', 'this place is great and nice too')).toEqual([
      { index: 0, token: 'great', score: 0 },
      { index: 1, token: 'nice', score: 0 },
    ]);
    expect(recoverFilledGaps('a (b) ___?', 'a (b) c?')).toEqual([{ index: 0, token: 'c', score: 0 }]);
    expect(recoverFilledGaps('no gap', 'no gap')).toEqual([]);
    expect(recoverFilledGaps('x ___', 'something else')).toEqual([]);
  });
});
