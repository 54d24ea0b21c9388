import { describe, expect, it } from 'vitest';
import { LocalPlayer, MOVE_SEND_INTERVAL_MS } from '../src/logic/prediction.js';
import { WORLDS } from '../../shared/src/worlds.js';

const plaza = WORLDS.plaza;
const still = { forward: 0, right: 0, run: false };

describe('LocalPlayer', () => {
  it('walks away from the camera under the speed limit and faces where it goes', () => {
    const p = new LocalPlayer(plaza, { x: 0, y: 0, z: 0 });
    // Camera at alpha = -π/2 sits on -z looking towards +z.
    p.step({ forward: 1, right: 0, run: false }, -Math.PI / 2, 1);
    expect(p.pose.x).toBeCloseTo(0);
    expect(p.pose.z).toBeGreaterThan(0);
    expect(p.pose.z).toBeLessThanOrEqual(plaza.speedLimit);
    expect(p.pose.rot).toBeCloseTo(0);
    expect(p.pose.anim).toBe('walk');
  });

  it('strafes to the camera right, runs faster, and never beats the speed limit diagonally', () => {
    const p = new LocalPlayer(plaza, { x: 0, y: 0, z: 0 });
    p.step({ forward: 0, right: 1, run: false }, -Math.PI / 2, 1);
    expect(p.pose.x).toBeGreaterThan(0);
    const walked = p.pose.x;
    const q = new LocalPlayer(plaza, { x: 0, y: 0, z: 0 });
    q.step({ forward: 1, right: 1, run: true }, -Math.PI / 2, 1);
    expect(Math.hypot(q.pose.x, q.pose.z)).toBeGreaterThan(walked);
    expect(Math.hypot(q.pose.x, q.pose.z)).toBeLessThanOrEqual(plaza.speedLimit);
    expect(q.pose.anim).toBe('run');
  });

  it('stays in bounds, slides around obstacles, and idles without input', () => {
    const p = new LocalPlayer(plaza, { x: 49, y: 0, z: 0 }, [{ x: 0, z: 0, radius: 4 }]);
    p.step({ forward: 1, right: 0, run: true }, Math.PI, 2); // camera on -x: forward is +x
    expect(p.pose.x).toBe(plaza.bounds.maxX);
    const q = new LocalPlayer(plaza, { x: -6, y: 0, z: 0 }, [{ x: 0, z: 0, radius: 4 }]);
    q.step({ forward: 1, right: 0, run: false }, Math.PI, 1);
    expect(Math.hypot(q.pose.x, q.pose.z)).toBeGreaterThanOrEqual(4 - 1e-9);
    q.step(still, Math.PI, 1);
    expect(q.pose.anim).toBe('idle');
  });

  it('takes the server position on a correction', () => {
    const p = new LocalPlayer(plaza, { x: 0, y: 0, z: 0 });
    p.correct({ x: 5, y: 0, z: -3, reason: 'speed' });
    expect(p.pose).toMatchObject({ x: 5, z: -3 });
  });

  it('sends moves throttled and only when the pose changed', () => {
    const p = new LocalPlayer(plaza, { x: 0, y: 0, z: 0 });
    expect(p.takeMove(0)).toMatchObject({ x: 0, anim: 'idle' });
    expect(p.takeMove(MOVE_SEND_INTERVAL_MS * 2)).toBeUndefined(); // unchanged
    p.step({ forward: 1, right: 0, run: false }, 0, 0.1);
    expect(p.takeMove(MOVE_SEND_INTERVAL_MS * 2 + 1)).toBeDefined();
    p.step({ forward: 1, right: 0, run: false }, 0, 0.1);
    expect(p.takeMove(MOVE_SEND_INTERVAL_MS * 2 + 2)).toBeUndefined(); // too soon
  });
});
