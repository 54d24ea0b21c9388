/**
 * Entry: the start screen (name, colour, world with live counts), then the
 * game. `?name=…&world=…&join=1` fills the form (and joins at once), for
 * links, tests and the benchmark.
 */
import { Engine } from '@babylonjs/core/Engines/engine';
import { WORLDS, WORLD_IDS, isWorldId, type WorldId } from '../../shared/src/worlds.js';
import { Game } from './game.js';
import { describeJoinError } from './logic/joinErrors.js';
import { fetchWorlds } from './net/api.js';
import { PlayerInput } from './ui/input.js';
import './styles.css';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const PALETTE = ['#e63946', '#f4a261', '#2a9d8f', '#457b9d', '#9b5de5', '#f15bb5', '#00bbf9', '#80b918'];
const WORLD_COUNT_REFRESH_MS = 3000;

/**
 * Test hooks, read by the browser tests and the benchmark (client/test/browser,
 * client/bench). Not an API: nothing in the game uses them.
 */
export interface TestHooks {
  /** True once a world is loaded and the first state has arrived. */
  ready: boolean;
  worldId?: string;
  sessionId?: string;
  /** performance.now() at the moment the world became ready. */
  readyAt?: number;
  position(): { x: number; z: number } | undefined;
  /** Other players as drawn (interpolated). */
  remotePlayers(): Array<{ sessionId: string; x: number; z: number; anim: string }>;
  /** Walk the local player towards a point through the normal movement path. */
  walkTo(x: number, z: number): void;
  /** JS milliseconds per frame (update + render submit), recent frames, newest last. */
  frameTimes(): number[];
  /** Frames drawn so far (to tell which of frameTimes are new). */
  frameCount(): number;
}

declare global {
  interface Window {
    __metaverse?: TestHooks;
  }
}

const canvas = $<HTMLCanvasElement>('scene');
// No MSAA, no stencil: software WebGL (and small GPUs) stay fast.
const engine = new Engine(canvas, false, { stencil: false, preserveDrawingBuffer: false }, false);
window.addEventListener('resize', () => engine.resize());

const loadingEl = $('loading');
const loadingBar = $<HTMLProgressElement>('loading-bar');
const loading = (fraction: number, text: string) => {
  loadingEl.hidden = fraction >= 1;
  loadingBar.value = Math.round(fraction * 100);
  $('loading-text').textContent = text;
};

const input = new PlayerInput($<HTMLInputElement>('chat-input'), $('joystick'));
const form = $<HTMLFormElement>('start-form');
const nameInput = $<HTMLInputElement>('name');
const colorInput = $<HTMLInputElement>('color');
const startError = $('start-error');
const worldList = $('world-list');
let game: Game | undefined;

function renderWorldChoices(): void {
  worldList.replaceChildren(
    ...WORLD_IDS.map((id, i) => {
      const w = WORLDS[id];
      const label = document.createElement('label');
      label.className = 'world-choice';
      label.style.setProperty('--sky', w.look.sky);
      label.style.setProperty('--ground', w.look.ground);
      label.innerHTML = `<input type="radio" name="world" value="${id}" ${i === 0 ? 'checked' : ''}>
        <span class="world-name"></span><span class="world-desc"></span>
        <span class="world-count" data-world="${id}" aria-live="polite">…</span>`;
      label.querySelector('.world-name')!.textContent = w.name;
      label.querySelector('.world-desc')!.textContent = w.description;
      return label;
    }),
  );
}

async function refreshCounts(): Promise<void> {
  try {
    const worlds = await fetchWorlds();
    for (const w of worlds) {
      const el = worldList.querySelector<HTMLElement>(`.world-count[data-world="${w.id}"]`);
      if (el) el.textContent = w.players === 1 ? '1 player' : `${w.players} players`;
    }
    if (startError.dataset.kind === 'offline') showStartError(undefined);
  } catch {
    showStartError('Cannot reach the game server. Retrying…', 'offline');
  }
}

function showStartError(text: string | undefined, kind = 'join'): void {
  startError.hidden = !text;
  startError.textContent = text ?? '';
  startError.dataset.kind = text ? kind : '';
}

let countTimer: ReturnType<typeof setInterval> | undefined;
function showStart(error?: string): void {
  $('start').hidden = false;
  $('game-ui').hidden = true;
  loading(1, '');
  showStartError(error);
  void refreshCounts();
  countTimer = setInterval(() => void refreshCounts(), WORLD_COUNT_REFRESH_MS);
}

async function join(worldId: WorldId): Promise<void> {
  clearInterval(countTimer);
  const profile = { name: nameInput.value, color: colorInput.value };
  localStorage.setItem('metaverse.profile', JSON.stringify(profile));
  $('start').hidden = true;
  $('game-ui').hidden = false;
  game = new Game(
    engine,
    {
      canvas,
      labels: $('labels'),
      hud: { world: $('hud-world'), players: $('hud-players'), ping: $('hud-ping'), fps: $('hud-fps') },
      banner: $('banner'),
      chat: {
        form: $<HTMLFormElement>('chat-form'),
        input: $<HTMLInputElement>('chat-input'),
        log: $<HTMLOListElement>('chat-log'),
        suggestions: $<HTMLUListElement>('suggestions'),
        notices: $('notices'),
      },
      loading,
    },
    input,
    profile,
    (reason) => {
      game = undefined;
      showStart(reason);
    },
  );
  const current = game;
  window.__metaverse = {
    get ready() {
      return current.ready;
    },
    get worldId() {
      return current.world?.id;
    },
    get sessionId() {
      return current.room?.sessionId;
    },
    get readyAt() {
      return current.readyAt;
    },
    position: () => current.localPosition(),
    remotePlayers: () => current.remotePlayers(),
    walkTo: (x, z) => current.walkTo(x, z),
    frameTimes: () => [...current.frameTimes],
    frameCount: () => current.frameCount,
  };
  try {
    await current.enter(worldId);
  } catch (error) {
    await current.leave();
    game = undefined;
    showStart(describeJoinError(error));
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const world = new FormData(form).get('world');
  if (isWorldId(world)) void join(world);
});

renderWorldChoices();
const saved = JSON.parse(localStorage.getItem('metaverse.profile') ?? '{}') as Partial<{ name: string; color: string }>;
const params = new URLSearchParams(location.search);
nameInput.value = params.get('name') ?? saved.name ?? '';
colorInput.value = params.get('color') ?? saved.color ?? PALETTE[Math.floor(Math.random() * PALETTE.length)]!;
const wanted = params.get('world');
if (isWorldId(wanted)) worldList.querySelector<HTMLInputElement>(`input[value="${wanted}"]`)!.checked = true;
if (params.get('join') === '1' && isWorldId(wanted)) void join(wanted);
else showStart();
