/**
 * HTML labels pinned to points in the 3D world (name tags with speech
 * bubbles, portal signs). DOM rather than canvas text: crisp at any size,
 * readable by screen readers, and cheaper than redrawing a GUI texture each
 * frame as a crowd moves.
 */
import type { Scene } from '@babylonjs/core/scene';

interface Label {
  el: HTMLElement;
  x: number;
  y: number;
  z: number;
  /** Last written screen position, to skip style writes when nothing moved. */
  sx: number;
  sy: number;
  shown: boolean;
}

/** Labels farther than this from the camera are hidden (metres, roughly). */
const MAX_DISTANCE = 45;

export class Labels {
  private readonly labels = new Map<string, Label>();

  constructor(private readonly container: HTMLElement) {}

  add(key: string, el: HTMLElement): void {
    this.remove(key);
    el.style.display = 'none';
    this.container.append(el);
    this.labels.set(key, { el, x: 0, y: 0, z: 0, sx: NaN, sy: NaN, shown: false });
  }

  remove(key: string): void {
    this.labels.get(key)?.el.remove();
    this.labels.delete(key);
  }

  clear(): void {
    for (const key of [...this.labels.keys()]) this.remove(key);
  }

  setAnchor(key: string, x: number, y: number, z: number): void {
    const l = this.labels.get(key);
    if (!l) return;
    l.x = x;
    l.y = y;
    l.z = z;
  }

  /** Project every label to the screen with the scene's current view-projection. */
  update(scene: Scene, width: number, height: number): void {
    const m = scene.getTransformMatrix().m;
    for (const l of this.labels.values()) {
      const cx = l.x * m[0]! + l.y * m[4]! + l.z * m[8]! + m[12]!;
      const cy = l.x * m[1]! + l.y * m[5]! + l.z * m[9]! + m[13]!;
      const w = l.x * m[3]! + l.y * m[7]! + l.z * m[11]! + m[15]!;
      const visible = w > 0.1 && w < MAX_DISTANCE && Math.abs(cx / w) < 1.2 && Math.abs(cy / w) < 1.2;
      if (visible !== l.shown) {
        l.el.style.display = visible ? '' : 'none';
        l.shown = visible;
      }
      if (!visible) continue;
      const sx = Math.round((cx / w / 2 + 0.5) * width);
      const sy = Math.round((0.5 - cy / w / 2) * height);
      if (sx === l.sx && sy === l.sy) continue;
      l.sx = sx;
      l.sy = sy;
      l.el.style.transform = `translate(${sx}px, ${sy}px) translate(-50%, -100%)`;
    }
  }
}
