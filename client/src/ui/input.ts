/**
 * What the player asks for: WASD / arrow keys (Shift runs), a touch joystick
 * on touch screens, Enter to chat. Keys are ignored while typing in a field.
 */
import type { MoveInput } from '../logic/prediction.js';

const FORWARD = new Set(['KeyW', 'ArrowUp']);
const BACK = new Set(['KeyS', 'ArrowDown']);
const LEFT = new Set(['KeyA', 'ArrowLeft']);
const RIGHT = new Set(['KeyD', 'ArrowRight']);

export class PlayerInput {
  private readonly keys = new Set<string>();
  private stick = { x: 0, y: 0 };

  constructor(chatBox: HTMLInputElement, joystick: HTMLElement) {
    window.addEventListener('keydown', (e) => {
      if (isTyping(e.target)) return;
      if (e.code === 'Enter') {
        e.preventDefault();
        chatBox.focus();
        return;
      }
      this.keys.add(e.code);
      if (e.code.startsWith('Arrow')) e.preventDefault();
    });
    window.addEventListener('keyup', (e) => this.keys.delete(e.code));
    // Keys released while focus was elsewhere would otherwise stick.
    window.addEventListener('blur', () => this.keys.clear());
    chatBox.addEventListener('focus', () => this.keys.clear());
    if (matchMedia('(pointer: coarse)').matches) this.attachJoystick(joystick);
  }

  read(): MoveInput {
    const k = (set: Set<string>) => ([...set].some((c) => this.keys.has(c)) ? 1 : 0);
    const forward = k(FORWARD) - k(BACK) || -this.stick.y;
    const right = k(RIGHT) - k(LEFT) || this.stick.x;
    const stickRun = Math.hypot(this.stick.x, this.stick.y) > 0.85;
    return { forward, right, run: this.keys.has('ShiftLeft') || this.keys.has('ShiftRight') || stickRun };
  }

  private attachJoystick(pad: HTMLElement): void {
    pad.hidden = false;
    const knob = pad.querySelector<HTMLElement>('.knob')!;
    let active: number | undefined;
    const moveTo = (e: PointerEvent) => {
      const r = pad.getBoundingClientRect();
      const half = r.width / 2;
      let x = (e.clientX - r.left - half) / half;
      let y = (e.clientY - r.top - half) / half;
      const len = Math.hypot(x, y);
      if (len > 1) [x, y] = [x / len, y / len];
      this.stick = { x, y };
      knob.style.transform = `translate(${x * half * 0.6}px, ${y * half * 0.6}px)`;
    };
    const release = () => {
      active = undefined;
      this.stick = { x: 0, y: 0 };
      knob.style.transform = '';
    };
    pad.addEventListener('pointerdown', (e) => {
      active = e.pointerId;
      pad.setPointerCapture(e.pointerId);
      moveTo(e);
    });
    pad.addEventListener('pointermove', (e) => e.pointerId === active && moveTo(e));
    pad.addEventListener('pointerup', release);
    pad.addEventListener('pointercancel', release);
  }
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}
