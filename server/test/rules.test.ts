import { describe, expect, it } from 'vitest';
import { WORLDS } from '../../shared/src/index.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { applyMove } from '../src/rooms/movement.js';
import { TokenBucket } from '../src/rooms/rateLimit.js';

const plaza = WORLDS.plaza;

describe('applyMove', () => {
  it('accepts a move within the speed limit unchanged', () => {
    const out = applyMove(plaza, { x: 0, y: 0, z: 0 }, { x: 0.7, y: 0, z: 0 }, 0.1);
    expect(out).toEqual({ position: { x: 0.7, y: 0, z: 0 } });
  });

  it('clamps a too-fast move to the limit along its direction', () => {
    const out = applyMove(plaza, { x: 0, y: 0, z: 0 }, { x: 30, y: 0, z: 40 }, 0.1);
    expect(out.correction).toBe('speed');
    const d = Math.hypot(out.position.x, out.position.z);
    expect(d).toBeCloseTo(plaza.speedLimit * 0.1 * 1.25 + 0.5, 6);
    expect(out.position.z / out.position.x).toBeCloseTo(40 / 30, 6);
  });

  it('clamps into bounds', () => {
    const out = applyMove(plaza, { x: 49.8, y: 0, z: 0 }, { x: 50.3, y: 0, z: 0 }, 0.1);
    expect(out).toEqual({ position: { x: 50, y: 0, z: 0 }, correction: 'bounds' });
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then refills at its rate', () => {
    let now = 0;
    const bucket = new TokenBucket(3, 2, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 499;
    expect(bucket.take()).toBe(false);
    now += 2;
    expect(bucket.take()).toBe(true);
    now += 100_000;
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });
});

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({});
    expect(config.port).toBe(2567);
    expect(config.world).toMatchObject({ maxClients: 100, patchRateHz: 20, reconnectSeconds: 20 });
  });

  it('treats empty values as unset and coerces numbers', () => {
    expect(loadConfig({ PORT: '', INTEREST_RADIUS: '12.5' })).toMatchObject({ port: 2567, world: { interestRadius: 12.5 } });
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '70000', PATCH_RATE_HZ: 'fast', RECONNECT_SECONDS: '-1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT="70000"/);
    expect(problems).toMatch(/PATCH_RATE_HZ="fast"/);
    expect(problems).toMatch(/RECONNECT_SECONDS="-1"/);
  });
});
