/**
 * The three worlds, built procedurally from shared/src/worlds.ts (bounds,
 * portals, look colours): a plaza with a fountain, a forest with a lake, a
 * harbour with water and boats. Static props are thin instances (one draw
 * call per kind); the sky is a vertex-coloured dome.
 */
import { ArcRotateCamera } from '@babylonjs/core/Cameras/arcRotateCamera';
import type { Engine } from '@babylonjs/core/Engines/engine';
import { DirectionalLight } from '@babylonjs/core/Lights/directionalLight';
import { HemisphericLight } from '@babylonjs/core/Lights/hemisphericLight';
import { StandardMaterial } from '@babylonjs/core/Materials/standardMaterial';
import { Color3, Color4 } from '@babylonjs/core/Maths/math.color';
import { Matrix, Quaternion, Vector3 } from '@babylonjs/core/Maths/math.vector';
import { CreateBox } from '@babylonjs/core/Meshes/Builders/boxBuilder';
import { CreateCylinder } from '@babylonjs/core/Meshes/Builders/cylinderBuilder';
import { CreateDisc } from '@babylonjs/core/Meshes/Builders/discBuilder';
import { CreateGround } from '@babylonjs/core/Meshes/Builders/groundBuilder';
import { CreateSphere } from '@babylonjs/core/Meshes/Builders/sphereBuilder';
import { CreateTorus } from '@babylonjs/core/Meshes/Builders/torusBuilder';
import { Mesh } from '@babylonjs/core/Meshes/mesh';
import '@babylonjs/core/Meshes/instancedMesh';
import '@babylonjs/core/Meshes/thinInstanceMesh';
import { TransformNode } from '@babylonjs/core/Meshes/transformNode';
import { VertexBuffer } from '@babylonjs/core/Buffers/buffer';
import { Scene } from '@babylonjs/core/scene';
import { WORLDS, type Portal, type WorldDefinition } from '../../../shared/src/worlds.js';
import type { CircleObstacle } from '../logic/prediction.js';

export interface BuiltWorld {
  scene: Scene;
  camera: ArcRotateCamera;
  /** Solid things the local player walks around. */
  obstacles: CircleObstacle[];
  /** Per-frame motion of the scenery (water, boats, portals); `t` in seconds. */
  animate(t: number): void;
}

type Animator = (t: number) => void;

export function buildWorld(engine: Engine, world: WorldDefinition, canvas: HTMLCanvasElement): BuiltWorld {
  const scene = new Scene(engine);
  // Nothing in the world is clickable: skip picking work on every pointer move.
  scene.skipPointerMovePicking = true;
  // A world is small enough to draw whole: culling a crowd mesh by mesh costs more JS than it saves.
  scene.skipFrustumClipping = true;
  scene.clearColor = Color4.FromColor3(Color3.FromHexString(world.look.sky));
  scene.fogMode = Scene.FOGMODE_LINEAR;
  scene.fogColor = Color3.FromHexString(world.look.fog);
  scene.fogStart = 70;
  scene.fogEnd = 260;

  const camera = new ArcRotateCamera('camera', -Math.PI / 2, 1.28, 11, Vector3.Zero(), scene);
  camera.lowerRadiusLimit = 5;
  camera.upperRadiusLimit = 30;
  camera.lowerBetaLimit = 0.35;
  camera.upperBetaLimit = 1.45;
  camera.minZ = 0.3;
  camera.maxZ = 1000;
  camera.wheelDeltaPercentage = 0.01;
  // Arrow keys walk the player; they must not also orbit the camera.
  camera.inputs.removeByType('ArcRotateCameraKeyboardMoveInput');
  camera.attachControl(canvas, true);

  const kit = new Kit(scene, world);
  kit.sky();
  const animators: Animator[] = [];
  const obstacles: CircleObstacle[] = [];
  if (world.id === 'plaza') buildPlaza(kit, animators, obstacles);
  else if (world.id === 'forest') buildForest(kit, animators, obstacles);
  else {
    buildHarbour(kit, animators);
    // Players start in the middle of the quay: face the piers and the boats.
    camera.alpha = Math.PI / 2;
  }
  for (const portal of world.portals) buildPortal(kit, world, portal, animators);

  for (const mesh of scene.meshes) {
    if (mesh.metadata !== 'moving') mesh.freezeWorldMatrix();
  }
  // Features the worlds do not use: each is a per-frame check otherwise.
  scene.animationsEnabled = false;
  scene.collisionsEnabled = false;
  scene.particlesEnabled = false;
  scene.spritesEnabled = false;
  scene.postProcessesEnabled = false;
  scene.lensFlaresEnabled = false;
  scene.probesEnabled = false;
  // The sky dome covers every pixel: clearing the colour buffer is wasted work.
  scene.autoClear = false;
  return { scene, camera, obstacles, animate: (t) => animators.forEach((a) => a(t)) };
}

/** Small helpers shared by the world builders. */
class Kit {
  private readonly materials = new Map<string, StandardMaterial>();
  readonly hemi: HemisphericLight;
  readonly sun: DirectionalLight;

  constructor(
    readonly scene: Scene,
    readonly world: WorldDefinition,
  ) {
    this.hemi = new HemisphericLight('hemi', new Vector3(0, 1, 0), scene);
    this.hemi.diffuse = Color3.FromHexString(world.look.sky).scale(0.3).add(new Color3(0.55, 0.55, 0.55));
    this.hemi.groundColor = Color3.FromHexString(world.look.ground).scale(0.35);
    this.hemi.intensity = 0.6;
    this.sun = new DirectionalLight('sun', new Vector3(-0.5, -1, 0.4), scene);
    this.sun.intensity = 0.5;
  }

  mat(hex: string, options: { emissive?: number; alpha?: number; specular?: number; unlit?: boolean } = {}): StandardMaterial {
    const key = `${hex}|${JSON.stringify(options)}`;
    let m = this.materials.get(key);
    if (!m) {
      m = new StandardMaterial(`m-${key}`, this.scene);
      const c = Color3.FromHexString(hex);
      m.diffuseColor = c;
      m.specularColor = new Color3(1, 1, 1).scale(options.specular ?? 0.05);
      if (options.emissive) m.emissiveColor = c.scale(options.emissive);
      if (options.alpha !== undefined) m.alpha = options.alpha;
      if (options.unlit) m.disableLighting = true;
      this.materials.set(key, m);
    }
    return m;
  }

  place<T extends Mesh>(mesh: T, material: StandardMaterial, x = 0, y = 0, z = 0): T {
    mesh.material = material;
    mesh.position.set(x, y, z);
    mesh.isPickable = false;
    return mesh;
  }

  /** One mesh drawn many times: each transform (and colour, if given) is a thin instance. */
  scatter(mesh: Mesh, material: StandardMaterial, transforms: Matrix[], colors?: Color4[]): void {
    mesh.material = material;
    mesh.isPickable = false;
    const buf = new Float32Array(transforms.length * 16);
    transforms.forEach((m, i) => m.copyToArray(buf, i * 16));
    mesh.thinInstanceSetBuffer('matrix', buf, 16, true);
    if (colors) {
      const cbuf = new Float32Array(colors.length * 4);
      colors.forEach((c, i) => c.toArray(cbuf, i * 4));
      mesh.thinInstanceSetBuffer('color', cbuf, 4, true);
    }
  }

  /** A dome coloured from the horizon (fog colour) up to a deeper sky. */
  sky(): void {
    const dome = CreateSphere('sky', { diameter: 900, segments: 12, sideOrientation: Mesh.BACKSIDE }, this.scene);
    const horizon = Color3.FromHexString(this.world.look.fog);
    const zenith = Color3.FromHexString(this.world.look.sky).scale(0.8);
    const positions = dome.getVerticesData(VertexBuffer.PositionKind)!;
    const colors: number[] = [];
    for (let i = 0; i < positions.length; i += 3) {
      const h = Math.max(0, Math.min(1, positions[i + 1]! / 250));
      const c = Color3.Lerp(horizon, zenith, Math.sqrt(h));
      colors.push(c.r, c.g, c.b, 1);
    }
    dome.setVerticesData(VertexBuffer.ColorKind, colors);
    const m = new StandardMaterial('sky', this.scene);
    m.disableLighting = true;
    m.emissiveColor = Color3.White();
    m.fogEnabled = false;
    dome.material = m;
    dome.infiniteDistance = true;
    dome.isPickable = false;
  }

  ground(color: string, width: number, depth: number, y = 0, name = 'ground'): Mesh {
    return this.place(CreateGround(name, { width, height: depth }, this.scene), this.mat(color), 0, y, 0);
  }
}

/** Deterministic randomness: every visitor sees the same trees in the same places. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const trs = (x: number, y: number, z: number, sx = 1, sy = 1, sz = 1, rotY = 0) =>
  Matrix.Compose(new Vector3(sx, sy, sz), Quaternion.RotationYawPitchRoll(rotY, 0, 0), new Vector3(x, y, z));

function shade(hex: string, k: number): Color4 {
  const c = Color3.FromHexString(hex).scale(k);
  return new Color4(Math.min(1, c.r), Math.min(1, c.g), Math.min(1, c.b), 1);
}

function buildPlaza(kit: Kit, animators: Animator[], obstacles: CircleObstacle[]): void {
  const { scene, world } = kit;
  kit.ground('#9a8f74', 400, 400).position.y = -0.02;
  kit.ground(world.look.ground, 100, 100, 0, 'square');
  // Paving rings around the fountain.
  kit.place(CreateDisc('ring-outer', { radius: 11, tessellation: 48 }, scene), kit.mat('#a89676'), 0, 0.01, 0).rotation.x = Math.PI / 2;
  kit.place(CreateDisc('ring-inner', { radius: 8, tessellation: 48 }, scene), kit.mat('#d8cba8'), 0, 0.02, 0).rotation.x = Math.PI / 2;

  // The fountain: basin, water, pillar, bowl and a pulsing plume.
  kit.place(CreateCylinder('basin', { diameter: 8.4, height: 0.8, tessellation: 32 }, scene), kit.mat('#e8e2d0'), 0, 0.4, 0);
  kit.place(CreateCylinder('water', { diameter: 7.6, height: 0.05, tessellation: 32 }, scene), kit.mat('#3d9be0', { emissive: 0.35, specular: 0.8 }), 0, 0.72, 0);
  kit.place(CreateCylinder('pillar', { diameter: 0.7, height: 2.4, tessellation: 16 }, scene), kit.mat('#e8e2d0'), 0, 1.2, 0);
  kit.place(CreateCylinder('bowl', { diameterTop: 2.6, diameterBottom: 1.2, height: 0.5, tessellation: 24 }, scene), kit.mat('#e8e2d0'), 0, 2.5, 0);
  const plume = kit.place(CreateSphere('plume', { diameter: 1.2, segments: 10 }, scene), kit.mat('#bfe6ff', { emissive: 0.5, alpha: 0.7 }), 0, 3.2, 0);
  plume.metadata = 'moving';
  animators.push((t) => plume.scaling.set(1, 1.3 + Math.sin(t * 4) * 0.25, 1));
  obstacles.push({ x: 0, z: 0, radius: 4.6 });

  // Houses around the square, leaving streets where the portals are.
  const r = rng(7);
  const palette = ['#e07a5f', '#f2cc8f', '#81b29a', '#f4f1de', '#d4a373', '#a5a58d', '#e9c46a'];
  const houses: Matrix[] = [];
  const roofs: Matrix[] = [];
  const houseColors: Color4[] = [];
  const addHouse = (x: number, z: number, along: 'x' | 'z') => {
    const w = 7 + r() * 6;
    const h = 6 + r() * 10;
    const d = 9;
    const [sx, sz] = along === 'x' ? [w, d] : [d, w];
    houses.push(trs(x, h / 2, z, sx, h, sz));
    roofs.push(trs(x, h + 0.4, z, sx + 0.6, 0.8, sz + 0.6));
    houseColors.push(shade(palette[Math.floor(r() * palette.length)]!, 0.9 + r() * 0.2));
  };
  for (let p = -52; p <= 52; p += 11) {
    addHouse(p, 56, 'x');
    addHouse(p, -56, 'x');
    if (Math.abs(p) > 9) {
      addHouse(56, p, 'z');
      addHouse(-56, p, 'z');
    }
  }
  kit.scatter(CreateBox('house', { size: 1 }, scene), kit.mat('#ffffff'), houses, houseColors);
  kit.scatter(CreateBox('roof', { size: 1 }, scene), kit.mat('#8d3b2e'), roofs);

  // Lamp posts and benches around the fountain, trees in the corners.
  const posts: Matrix[] = [];
  const lamps: Matrix[] = [];
  const benches: Matrix[] = [];
  for (let i = 0; i < 8; i++) {
    const a = (i / 8) * Math.PI * 2 + Math.PI / 8;
    posts.push(trs(Math.cos(a) * 14, 1.6, Math.sin(a) * 14));
    lamps.push(trs(Math.cos(a) * 14, 3.3, Math.sin(a) * 14));
    const b = a + Math.PI / 8;
    benches.push(trs(Math.cos(b) * 12, 0.25, Math.sin(b) * 12, 2.2, 0.5, 0.7, -b + Math.PI / 2));
  }
  kit.scatter(CreateCylinder('post', { diameter: 0.18, height: 3.2, tessellation: 8 }, scene), kit.mat('#2f3e46'), posts);
  kit.scatter(CreateSphere('lamp', { diameter: 0.6, segments: 6 }, scene), kit.mat('#fff3b0', { emissive: 0.9 }), lamps);
  kit.scatter(CreateBox('bench', { size: 1 }, scene), kit.mat('#8b5a2b'), benches);
  const trunks: Matrix[] = [];
  const crowns: Matrix[] = [];
  for (const [x, z] of [[-35, -35], [35, -35], [-35, 35], [35, 35], [-25, 40], [25, -40], [40, 25], [-40, -25]] as const) {
    trunks.push(trs(x, 1.2, z));
    crowns.push(trs(x, 3.4, z, 1 + r() * 0.4, 1 + r() * 0.3, 1 + r() * 0.4));
  }
  kit.scatter(CreateCylinder('trunk', { diameter: 0.4, height: 2.4, tessellation: 8 }, scene), kit.mat('#6b4226'), trunks);
  kit.scatter(CreateSphere('crown', { diameter: 3, segments: 8 }, scene), kit.mat('#4c956c'), crowns);
  kit.sun.intensity = 0.55;
}

function buildForest(kit: Kit, animators: Animator[], obstacles: CircleObstacle[]): void {
  const { scene, world } = kit;
  kit.ground('#2f4a22', 400, 400).position.y = -0.02;
  kit.ground(world.look.ground, 120, 120, 0, 'clearing');

  const lake = { x: 22, z: -18, radius: 12 };
  kit.place(CreateDisc('shore', { radius: lake.radius + 1.8, tessellation: 48 }, scene), kit.mat('#b8a77a'), lake.x, 0.01, lake.z).rotation.x = Math.PI / 2;
  const water = kit.place(CreateDisc('lake', { radius: lake.radius, tessellation: 48 }, scene), kit.mat('#2f6f8f', { emissive: 0.25, specular: 0.9 }), lake.x, 0.03, lake.z);
  water.rotation.x = Math.PI / 2;
  const lily: Matrix[] = [];
  const rl = rng(11);
  for (let i = 0; i < 14; i++) {
    const a = rl() * Math.PI * 2;
    const d = 3 + rl() * (lake.radius - 4);
    lily.push(trs(lake.x + Math.cos(a) * d, 0.06, lake.z + Math.sin(a) * d, 1, 1, 1));
  }
  kit.scatter(CreateCylinder('lily', { diameter: 0.9, height: 0.04, tessellation: 10 }, scene), kit.mat('#5a9e4b'), lily);
  obstacles.push({ x: lake.x, z: lake.z, radius: lake.radius - 0.5 });

  // Pines everywhere but the lake, the spawn and the portals; a few rocks.
  const r = rng(3);
  const keepClear = [
    { x: lake.x, z: lake.z, radius: lake.radius + 3 },
    { x: world.spawn.x, z: world.spawn.z, radius: 8 },
    ...world.portals.map((p) => ({ x: p.position.x, z: p.position.z, radius: 8 })),
  ];
  const trunks: Matrix[] = [];
  const lower: Matrix[] = [];
  const upper: Matrix[] = [];
  const greens: Color4[] = [];
  for (let placed = 0, tries = 0; placed < 230 && tries < 5000; tries++) {
    const x = (r() - 0.5) * 170;
    const z = (r() - 0.5) * 170;
    if (keepClear.some((c) => Math.hypot(x - c.x, z - c.z) < c.radius)) continue;
    // Thinner inside the walkable clearing, so the lake can be seen.
    if (Math.abs(x) < 45 && Math.abs(z) < 45 && r() < 0.6) continue;
    const s = 0.8 + r() * 0.8;
    const yaw = r() * Math.PI;
    trunks.push(trs(x, 1.2 * s, z, s, s, s));
    lower.push(trs(x, 3.4 * s, z, s, s, s, yaw));
    upper.push(trs(x, 5.4 * s, z, s * 0.75, s * 0.8, s * 0.75, yaw));
    const g = shade('#2d6a4f', 0.75 + r() * 0.5);
    greens.push(g);
    placed++;
  }
  kit.scatter(CreateCylinder('trunk', { diameter: 0.45, height: 2.4, tessellation: 6 }, scene), kit.mat('#5b3a1e'), trunks);
  kit.scatter(CreateCylinder('pine-low', { diameterTop: 0, diameterBottom: 3.6, height: 3.6, tessellation: 7 }, scene), kit.mat('#ffffff'), lower, greens);
  kit.scatter(CreateCylinder('pine-top', { diameterTop: 0, diameterBottom: 2.8, height: 3, tessellation: 7 }, scene), kit.mat('#ffffff'), upper, greens.map((g) => shade(g.toHexString().slice(0, 7), 1.15)));
  const rocks: Matrix[] = [];
  for (let i = 0; i < 30; i++) rocks.push(trs((r() - 0.5) * 110, 0.2, (r() - 0.5) * 110, 0.6 + r(), 0.4 + r() * 0.5, 0.6 + r(), r() * 3));
  kit.scatter(CreateSphere('rock', { diameter: 1, segments: 4 }, scene), kit.mat('#7d8580'), rocks);

  kit.sun.intensity = 0.55;
  kit.sun.direction = new Vector3(0.4, -1, 0.3);
  // The lake glints slowly.
  water.metadata = 'moving';
  const waterMat = water.material as StandardMaterial;
  animators.push((t) => (waterMat.emissiveColor = Color3.FromHexString('#2f6f8f').scale(0.22 + Math.sin(t * 0.8) * 0.05)));
}

function buildHarbour(kit: Kit, animators: Animator[]): void {
  const { scene, world } = kit;
  // The walkable quay is the world's bounds; the town goes on beyond +x and +z, open water lies beyond -x and -z.
  kit.place(CreateBox('quay', { width: 160, height: 2, depth: 160 }, scene), kit.mat(world.look.ground), 40, -1, 40);
  kit.place(CreateGround('sea', { width: 700, height: 700 }, scene), kit.mat('#1f5f7a', { specular: 0.6, emissive: 0.15 }), 0, -0.7, 0);
  // Paving joints every 10 m.
  const joints: Matrix[] = [];
  for (let p = -30; p <= 30; p += 10) {
    joints.push(trs(p, 0.01, 0, 0.15, 0.02, 80));
    joints.push(trs(0, 0.01, p, 80, 0.02, 0.15));
  }
  kit.scatter(CreateBox('joint', { size: 1 }, scene), kit.mat('#4a4652'), joints);
  // Warehouses along the town side, leaving the lanes to the portals open.
  const sheds: Matrix[] = [];
  const roofs: Matrix[] = [];
  const shedColors: Color4[] = [];
  const rs = rng(9);
  for (let p = -34; p <= 60; p += 13) {
    if (Math.abs(p) < 9) continue;
    for (const [x, z] of [[52, p], [p, 52]] as const) {
      const h = 6 + rs() * 5;
      sheds.push(trs(x, h / 2, z, 11, h, 11));
      roofs.push(trs(x, h + 0.3, z, 11.8, 0.6, 11.8));
      shedColors.push(shade(['#9c6644', '#7f5539', '#b08968', '#6c757d'][Math.floor(rs() * 4)]!, 1));
    }
  }
  kit.scatter(CreateBox('shed', { size: 1 }, scene), kit.mat('#ffffff'), sheds, shedColors);
  kit.scatter(CreateBox('shed-roof', { size: 1 }, scene), kit.mat('#3d405b'), roofs);
  // Quay edge stones and bollards.
  const bollards: Matrix[] = [];
  for (let p = -36; p <= 36; p += 6) {
    bollards.push(trs(p, 0.3, -39.3));
    bollards.push(trs(-39.3, 0.3, p));
  }
  kit.scatter(CreateCylinder('bollard', { diameter: 0.45, height: 0.6, tessellation: 10 }, scene), kit.mat('#2b2d42'), bollards);

  // Wooden piers out over the water on the -z side, posts underneath.
  const planks: Matrix[] = [];
  const posts: Matrix[] = [];
  for (const x of [-22, 0, 22]) {
    planks.push(trs(x, -0.15, -52, 4, 0.3, 24));
    for (let z = -42; z >= -64; z -= 4) {
      posts.push(trs(x - 2, -0.6, z));
      posts.push(trs(x + 2, -0.6, z));
    }
  }
  kit.scatter(CreateBox('plank', { size: 1 }, scene), kit.mat('#8b6b4a'), planks);
  kit.scatter(CreateCylinder('pier-post', { diameter: 0.35, height: 1.6, tessellation: 6 }, scene), kit.mat('#5c4033'), posts);

  // Crates stacked on the quay.
  const r = rng(5);
  const crates: Matrix[] = [];
  const crateColors: Color4[] = [];
  for (let i = 0; i < 26; i++) {
    const x = -34 + r() * 20;
    const z = 18 + r() * 16;
    const s = 0.9 + r() * 0.5;
    crates.push(trs(x, s / 2 + (i % 3 === 2 ? s : 0), z, s, s, s, r()));
    crateColors.push(shade(['#a47148', '#6b705c', '#bc6c25'][i % 3]!, 0.9 + r() * 0.2));
  }
  kit.scatter(CreateBox('crate', { size: 1 }, scene), kit.mat('#ffffff'), crates, crateColors);

  // Boats: each is a node holding instances of a shared hull, cabin, mast and sail; they bob and roll.
  const hull = CreateBox('hull', { width: 2.4, height: 1, depth: 6 }, scene);
  hull.material = kit.mat('#ffffff');
  hull.registerInstancedBuffer('color', 4);
  hull.instancedBuffers.color = new Color4(1, 1, 1, 1);
  const cabin = kit.place(CreateBox('cabin', { width: 1.6, height: 1, depth: 2 }, scene), kit.mat('#f1faee'));
  const mast = kit.place(CreateCylinder('mast', { diameter: 0.15, height: 6, tessellation: 6 }, scene), kit.mat('#5c4033'));
  const sail = kit.place(CreateBox('sail', { width: 0.05, height: 4.5, depth: 2.8 }, scene), kit.mat('#fefae0', { emissive: 0.2 }));
  for (const source of [hull, cabin, mast, sail]) source.isVisible = false;
  const boats = [
    { x: -17.5, z: -50, yaw: 0, color: '#c1121f', sail: true },
    { x: 4.5, z: -56, yaw: 0.05, color: '#ffffff', sail: false },
    { x: 26.5, z: -47, yaw: -0.04, color: '#1d3557', sail: true },
    { x: -60, z: -20, yaw: 1.3, color: '#f4a261', sail: true },
    { x: 35, z: -75, yaw: 2.2, color: '#2a9d8f', sail: false },
    { x: -50, z: 30, yaw: 0.4, color: '#e9c46a', sail: true },
  ];
  boats.forEach((b, i) => {
    const node = new TransformNode(`boat-${i}`, scene);
    node.position.set(b.x, -0.6, b.z);
    node.rotation.y = b.yaw;
    const h = hull.createInstance(`hull-${i}`);
    h.instancedBuffers.color = Color4.FromColor3(Color3.FromHexString(b.color));
    h.parent = node;
    const c = cabin.createInstance(`cabin-${i}`);
    c.parent = node;
    c.position.set(0, 0.9, -0.8);
    if (b.sail) {
      const m = mast.createInstance(`mast-${i}`);
      m.parent = node;
      m.position.set(0, 3.4, 1);
      const s = sail.createInstance(`sail-${i}`);
      s.parent = node;
      s.position.set(0, 3.6, 2.3);
    }
    for (const part of node.getChildMeshes()) part.metadata = 'moving';
    animators.push((t) => {
      node.position.y = -0.55 + Math.sin(t * 1.3 + i) * 0.12;
      node.rotation.z = Math.sin(t * 0.9 + i * 2) * 0.05;
    });
  });

  // A lighthouse on a rock out in the bay, its lamp blinking.
  kit.place(CreateCylinder('rock', { diameterTop: 6, diameterBottom: 9, height: 2, tessellation: 10 }, scene), kit.mat('#495057'), -70, -0.2, -70);
  kit.place(CreateCylinder('tower', { diameterTop: 2.4, diameterBottom: 3.4, height: 14, tessellation: 16 }, scene), kit.mat('#f8f9fa'), -70, 7, -70);
  kit.place(CreateCylinder('stripe', { diameter: 3.1, height: 2, tessellation: 16 }, scene), kit.mat('#c1121f'), -70, 6, -70);
  const lamp = kit.place(CreateSphere('beacon', { diameter: 2, segments: 8 }, scene), kit.mat('#ffd166', { emissive: 1 }), -70, 15, -70);
  lamp.metadata = 'moving';
  animators.push((t) => lamp.scaling.setAll(0.8 + (Math.sin(t * 3) > 0 ? 0.4 : 0)));

  // Dusk: a low warm sun, dim cool fill.
  kit.sun.direction = new Vector3(0.8, -0.35, 0.5);
  kit.sun.diffuse = Color3.FromHexString('#ffb570');
  kit.sun.intensity = 0.9;
  kit.hemi.intensity = 0.55;
  kit.hemi.diffuse = Color3.FromHexString('#c9a3c8');
}

/** A standing ring facing the world's centre, tinted like the world it leads to, over a glowing floor disc. */
function buildPortal(kit: Kit, world: WorldDefinition, portal: Portal, animators: Animator[]): void {
  const { scene } = kit;
  const target = WORLDS[portal.to];
  const node = new TransformNode(`portal-${portal.id}`, scene);
  node.position.set(portal.position.x, 0, portal.position.z);
  node.rotation.y = Math.atan2(world.spawn.x - portal.position.x, world.spawn.z - portal.position.z);
  const ring = kit.place(CreateTorus(`ring-${portal.id}`, { diameter: 4.6, thickness: 0.4, tessellation: 32 }, scene), kit.mat('#f8f9fa', { emissive: 0.4 }), 0, 2.6, 0);
  ring.rotation.x = Math.PI / 2;
  ring.parent = node;
  const glow = kit.mat(target.look.sky, { emissive: 0.9, alpha: 0.75 });
  const disc = kit.place(CreateDisc(`veil-${portal.id}`, { radius: 2.1, tessellation: 32, sideOrientation: Mesh.DOUBLESIDE }, scene), glow, 0, 2.6, 0);
  disc.parent = node;
  const floor = kit.place(CreateDisc(`pad-${portal.id}`, { radius: portal.radius, tessellation: 32 }, scene), kit.mat(target.look.ground, { emissive: 0.6, alpha: 0.6 }), 0, 0.04, 0);
  floor.rotation.x = Math.PI / 2;
  floor.parent = node;
  const base = target.look.sky;
  animators.push((t) => (glow.emissiveColor = Color3.FromHexString(base).scale(0.75 + Math.sin(t * 2.5) * 0.2)));
}
