/**
 * Word suggestions while the player types a gap (`___`): debounced, one
 * request at a time, stale answers dropped, and quiet when the fill-mask
 * service is missing or failing (it backs off instead of asking on every key).
 */
import type { FillMaskResult } from '../../../shared/src/inference.js';
import { gapAtCaret } from './gaps.js';

export type FillMaskFetch = (text: string, signal: AbortSignal) => Promise<FillMaskResult | undefined>;

export interface Suggestions {
  /** Which gap of the text the words are for (index among its gaps). */
  gapIndex: number;
  words: string[];
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export const SUGGEST_DEBOUNCE_MS = 300;
/** After a failure, suggestions rest this long before trying again. */
export const SUGGEST_BACKOFF_MS = 30_000;
const MAX_WORDS = 5;

export class Suggester {
  private timer: unknown;
  private inFlight: AbortController | undefined;
  private seq = 0;
  private restUntil = 0;

  constructor(
    private readonly fetchFillMask: FillMaskFetch,
    private readonly show: (s: Suggestions | undefined) => void,
    private readonly timers: Timers = realTimers,
    private readonly delayMs = SUGGEST_DEBOUNCE_MS,
  ) {}

  /** Call on every edit of the chat box. */
  update(text: string, caret: number): void {
    this.cancel();
    const gapIndex = gapAtCaret(text, caret);
    if (gapIndex < 0 || this.timers.now() < this.restUntil) {
      this.show(undefined);
      return;
    }
    this.timer = this.timers.setTimeout(() => void this.ask(text, gapIndex), this.delayMs);
  }

  /** Stop: pending and in-flight requests are dropped (e.g. the comment was sent). */
  cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
    this.inFlight = undefined;
    this.seq++;
  }

  private async ask(text: string, gapIndex: number): Promise<void> {
    this.timer = undefined;
    const seq = ++this.seq;
    const controller = new AbortController();
    this.inFlight = controller;
    try {
      const result = await this.fetchFillMask(text, controller.signal);
      if (seq !== this.seq) return;
      const words = (result?.gaps.find((g) => g.index === gapIndex)?.candidates ?? [])
        .map((c) => c.token)
        .filter(isWord)
        .slice(0, MAX_WORDS);
      this.show(words.length > 0 ? { gapIndex, words } : undefined);
    } catch {
      if (seq !== this.seq) return;
      // Suggestions are a nicety: no error for the player, and no request storm.
      this.restUntil = this.timers.now() + SUGGEST_BACKOFF_MS;
      this.show(undefined);
    } finally {
      if (this.inFlight === controller) this.inFlight = undefined;
    }
  }
}

/** Whole words only: no WordPiece continuations (`##ing`), no bare punctuation. */
function isWord(token: string): boolean {
  return /^[\p{L}\p{N}][\p{L}\p{N}'-]*$/u.test(token);
}
