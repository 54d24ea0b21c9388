import { describe, expect, it } from 'vitest';
import { SUGGEST_BACKOFF_MS, SUGGEST_DEBOUNCE_MS, Suggester, type FillMaskFetch, type Suggestions, type Timers } from '../src/logic/suggest.js';
import type { FillMaskResult } from '../../shared/src/inference.js';

/** A hand-driven clock: tests decide when debounce timers fire. */
class ManualTimers implements Timers {
  time = 0;
  private pending = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
    for (const [id, t] of [...this.pending]) {
      if (t.at <= this.time) {
        this.pending.delete(id);
        t.fn();
      }
    }
  }
}

const result = (text: string, tokens: string[]): FillMaskResult => ({
  text,
  filled: text,
  gaps: [{ index: 0, candidates: tokens.map((token, i) => ({ token, score: 1 / (i + 1) })) }],
});

const flush = () => new Promise((r) => setImmediate(r));

function setup(fetchImpl: FillMaskFetch) {
  const timers = new ManualTimers();
  const shown: Array<Suggestions | undefined> = [];
  const asked: string[] = [];
  const suggester = new Suggester(
    (text, signal) => {
      asked.push(text);
      return fetchImpl(text, signal);
    },
    (s) => shown.push(s),
    timers,
  );
  return { timers, shown, asked, suggester };
}

describe('Suggester', () => {
  it('asks once after typing pauses, and shows whole words for the gap at the caret', async () => {
    const { timers, shown, asked, suggester } = setup(async (text) => result(text, ['great', '##ly', 'nice', ',']));
    for (const text of ['this is _', 'this is __', 'this is ___']) suggester.update(text, text.length);
    timers.advance(SUGGEST_DEBOUNCE_MS - 1);
    expect(asked).toEqual([]);
    timers.advance(1);
    await flush();
    expect(asked).toEqual(['this is ___']);
    expect(shown.at(-1)).toEqual({ gapIndex: 0, words: ['great', 'nice'] });
  });

  it('clears at once when there is no gap, and drops an answer that arrives after more typing', async () => {
    let release: (r: FillMaskResult) => void = () => undefined;
    const { timers, shown, suggester } = setup((text) => new Promise((r) => (release = (x) => r(x ?? result(text, ['old'])))));
    suggester.update('a ___', 5);
    timers.advance(SUGGEST_DEBOUNCE_MS);
    suggester.update('a ___ b', 7); // typing on while the request is out
    release(result('a ___', ['stale']));
    await flush();
    expect(shown.some((s) => s?.words.includes('stale'))).toBe(false);
    suggester.update('no gap', 6);
    expect(shown.at(-1)).toBeUndefined();
  });

  it('stays quiet when the service fails, and rests before asking again', async () => {
    const { timers, shown, asked, suggester } = setup(async () => {
      throw new Error('404');
    });
    suggester.update('x ___', 5);
    timers.advance(SUGGEST_DEBOUNCE_MS);
    await flush();
    expect(shown.at(-1)).toBeUndefined();
    suggester.update('x ____', 6);
    timers.advance(SUGGEST_DEBOUNCE_MS);
    expect(asked).toHaveLength(1);
    timers.advance(SUGGEST_BACKOFF_MS);
    suggester.update('x ___', 5);
    timers.advance(SUGGEST_DEBOUNCE_MS);
    expect(asked).toHaveLength(2);
  });
});
