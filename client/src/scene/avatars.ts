/**
 * Avatars: stylised figures (body, head, two arms, two legs) in the player's
 * colour. Each part is one shared mesh drawn as thin instances, one per
 * player: a whole crowd is four draw calls, and a frame costs one matrix per
 * part computed here, not a scene-graph node per part for Babylon to walk.
 */
import { Color3 } from '@babylonjs/core/Maths/math.color';
import { Matrix, Vector3 } from '@babylonjs/core/Maths/math.vector';
import { CreateBox } from '@babylonjs/core/Meshes/Builders/boxBuilder';
import { CreateSphere } from '@babylonjs/core/Meshes/Builders/sphereBuilder';
import type { Mesh } from '@babylonjs/core/Meshes/mesh';
import '@babylonjs/core/Meshes/thinInstanceMesh';
import { StandardMaterial } from '@babylonjs/core/Materials/standardMaterial';
import type { Scene } from '@babylonjs/core/scene';
import type { Pose } from '../logic/interpolation.js';

const HIP_HEIGHT = 0.8;
const SHOULDER_HEIGHT = 1.45;
/** Where name tags and bubbles sit above the avatar's feet. */
export const TAG_HEIGHT = 2.15;

/** One kind of part: its mesh, and where each copy sits on the figure (x, y offset; swing sign). */
interface PartKind {
  mesh: Mesh;
  tinted: boolean;
  copies: Array<{ x: number; y: number; swing: number }>;
  matrices: Float32Array;
  colors: Float32Array | undefined;
}

interface Figure {
  slot: number;
  phase: number;
}

export class AvatarCrowd {
  private readonly kinds: PartKind[];
  private readonly figures = new Map<string, Figure>();
  private readonly ids: string[] = [];
  private capacity = 0;
  private readonly yaw = new Matrix();
  private readonly part = new Matrix();
  private readonly offset = new Vector3();

  constructor(scene: Scene) {
    const material = (name: string, color: Color3) => {
      const m = new StandardMaterial(name, scene);
      m.diffuseColor = color;
      m.specularColor = new Color3(0.1, 0.1, 0.1);
      return m;
    };
    const white = material('avatar-tinted', Color3.White());
    const body = CreateBox('avatar-body', { width: 0.62, height: 0.75, depth: 0.36 }, scene);
    body.bakeTransformIntoVertices(Matrix.Translation(0, 0.32, 0));
    body.material = white;
    const head = CreateSphere('avatar-head', { diameter: 0.5, segments: 8 }, scene);
    head.material = material('avatar-skin', Color3.FromHexString('#f1c27d'));
    // Limbs hang from their pivot (hip, shoulder) so a pitch swings them.
    const leg = CreateBox('avatar-leg', { width: 0.22, height: HIP_HEIGHT, depth: 0.24 }, scene);
    leg.bakeTransformIntoVertices(Matrix.Translation(0, -HIP_HEIGHT / 2, 0));
    leg.material = material('avatar-trousers', Color3.FromHexString('#2b2d42'));
    const arm = CreateBox('avatar-arm', { width: 0.18, height: 0.68, depth: 0.2 }, scene);
    arm.bakeTransformIntoVertices(Matrix.Translation(0, -0.3, 0));
    arm.material = white;
    const kind = (mesh: Mesh, tinted: boolean, copies: PartKind['copies']): PartKind => {
      mesh.isPickable = false;
      // Drawn whole, never culled (the scene skips frustum culling): no bounding box to keep up to date.
      mesh.alwaysSelectAsActiveMesh = true;
      mesh.isVisible = false;
      return { mesh, tinted, copies, matrices: new Float32Array(0), colors: tinted ? new Float32Array(0) : undefined };
    };
    this.kinds = [
      kind(body, true, [{ x: 0, y: HIP_HEIGHT, swing: 0 }]),
      kind(head, false, [{ x: 0, y: SHOULDER_HEIGHT + 0.28, swing: 0 }]),
      kind(leg, false, [
        { x: -0.15, y: HIP_HEIGHT, swing: 1 },
        { x: 0.15, y: HIP_HEIGHT, swing: -1 },
      ]),
      kind(arm, true, [
        { x: -0.42, y: SHOULDER_HEIGHT, swing: -0.8 },
        { x: 0.42, y: SHOULDER_HEIGHT, swing: 0.8 },
      ]),
    ];
  }

  get size(): number {
    return this.ids.length;
  }

  add(id: string, color: string): void {
    if (this.figures.has(id)) return;
    const slot = this.ids.length;
    if (slot >= this.capacity) this.grow(Math.max(16, this.capacity * 2));
    this.ids.push(id);
    this.figures.set(id, { slot, phase: 0 });
    const c = Color3.FromHexString(color);
    for (const k of this.kinds) {
      if (!k.colors) continue;
      for (let i = 0; i < k.copies.length; i++) k.colors.set([c.r, c.g, c.b, 1], (slot * k.copies.length + i) * 4);
      k.mesh.thinInstanceBufferUpdated('color');
    }
  }

  /** Drop a figure: the last one moves into its slot, so slots stay packed. */
  remove(id: string): void {
    const figure = this.figures.get(id);
    if (!figure) return;
    const last = this.ids.length - 1;
    const lastId = this.ids[last]!;
    if (figure.slot !== last) {
      for (const k of this.kinds) {
        const n = k.copies.length;
        k.matrices.copyWithin(figure.slot * n * 16, last * n * 16, (last + 1) * n * 16);
        k.colors?.copyWithin(figure.slot * n * 4, last * n * 4, (last + 1) * n * 4);
        if (k.colors) k.mesh.thinInstanceBufferUpdated('color');
      }
      this.ids[figure.slot] = lastId;
      this.figures.get(lastId)!.slot = figure.slot;
    }
    this.ids.pop();
    this.figures.delete(id);
  }

  /** Place a figure and swing its limbs while it walks (faster when it runs). */
  setPose(id: string, pose: Pose, dt: number): void {
    const figure = this.figures.get(id);
    if (!figure) return;
    const moving = pose.anim === 'walk' || pose.anim === 'run';
    figure.phase = moving ? figure.phase + dt * (pose.anim === 'run' ? 13 : 8) : 0;
    const swing = moving ? Math.sin(figure.phase) * (pose.anim === 'run' ? 0.8 : 0.55) : 0;
    Matrix.RotationYToRef(pose.rot, this.yaw);
    for (const k of this.kinds) {
      for (let i = 0; i < k.copies.length; i++) {
        const copy = k.copies[i]!;
        // The part's pivot, turned with the figure; then the part pitched about it and turned too.
        Vector3.TransformCoordinatesFromFloatsToRef(copy.x, copy.y, 0, this.yaw, this.offset);
        Matrix.RotationYawPitchRollToRef(pose.rot, swing * copy.swing, 0, this.part);
        this.part.setTranslationFromFloats(pose.x + this.offset.x, pose.y + this.offset.y, pose.z + this.offset.z);
        this.part.copyToArray(k.matrices, (figure.slot * k.copies.length + i) * 16);
      }
    }
  }

  /** Hand this frame's matrices to the GPU buffers; call once per frame after every setPose. */
  flush(): void {
    for (const k of this.kinds) {
      k.mesh.thinInstanceCount = this.ids.length * k.copies.length;
      k.mesh.isVisible = this.ids.length > 0;
      k.mesh.thinInstanceBufferUpdated('matrix');
    }
  }

  private grow(capacity: number): void {
    for (const k of this.kinds) {
      const n = k.copies.length;
      const matrices = new Float32Array(capacity * n * 16);
      matrices.set(k.matrices);
      k.matrices = matrices;
      k.mesh.thinInstanceSetBuffer('matrix', matrices, 16, false);
      if (k.colors) {
        const colors = new Float32Array(capacity * n * 4);
        colors.set(k.colors);
        k.colors = colors;
        k.mesh.thinInstanceSetBuffer('color', colors, 4, false);
      }
    }
    this.capacity = capacity;
  }
}
