import { describe, expect, it } from 'vitest';
import { SnapshotBuffer, lerpAngle, type Pose } from '../src/logic/interpolation.js';

const pose = (x: number, z = 0, rot = 0, anim = 'walk'): Pose => ({ x, y: 0, z, rot, anim });
const options = { delayMs: 100, patchIntervalMs: 50, keepMs: 1000 };

describe('SnapshotBuffer', () => {
  it('has nothing to draw before the first snapshot', () => {
    expect(new SnapshotBuffer(options).sample(0)).toBeUndefined();
  });

  it('draws the delayed time between the two snapshots around it', () => {
    const b = new SnapshotBuffer(options);
    b.push(1000, pose(0));
    b.push(1050, pose(1));
    b.push(1100, pose(2));
    expect(b.sample(1125)!.x).toBeCloseTo(0.5); // renders t=1025
    expect(b.sample(1175)!.x).toBeCloseTo(1.5);
  });

  it('holds the oldest before the buffer and the newest past it', () => {
    const b = new SnapshotBuffer(options);
    b.push(1000, pose(3));
    b.push(1050, pose(4));
    expect(b.sample(900)!.x).toBe(3);
    expect(b.sample(5000)!.x).toBe(4);
  });

  it('after a pause in updates, starts the next step one patch interval before it (no slow motion)', () => {
    const b = new SnapshotBuffer(options);
    b.push(1000, pose(0));
    b.push(5000, pose(1)); // nobody moved for 4 s, then a patch
    // Half a patch interval before the new snapshot, the player is halfway there, not still at 0.
    expect(b.sample(5000 - 25 + 100)!.x).toBeCloseTo(0.5);
    expect(b.sample(4900 + 100)!.x).toBe(0);
  });

  it('ignores out-of-order snapshots and forgets old ones', () => {
    const b = new SnapshotBuffer(options);
    for (let t = 0; t <= 3000; t += 50) b.push(t, pose(t / 50));
    b.push(10, pose(-99));
    expect(b.size).toBeLessThanOrEqual(22);
    expect(b.sample(3100)!.x).toBe(60);
  });

  it('turns the short way round and switches animation halfway', () => {
    const b = new SnapshotBuffer(options);
    b.push(0, pose(0, 0, Math.PI - 0.1, 'idle'));
    b.push(50, pose(0, 0, -Math.PI + 0.1, 'walk'));
    const early = b.sample(110)!;
    const late = b.sample(140)!;
    expect(Math.abs(Math.cos(early.rot) + 1)).toBeLessThan(0.01); // near ±π, not through 0
    expect(early.anim).toBe('idle');
    expect(late.anim).toBe('walk');
  });
});

describe('lerpAngle', () => {
  it('blends across the ±π seam', () => {
    expect(lerpAngle(3, -3, 0.5)).toBeCloseTo(Math.PI, 1);
    expect(lerpAngle(0, 1, 0.25)).toBeCloseTo(0.25);
  });
});
