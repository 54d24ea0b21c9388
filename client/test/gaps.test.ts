import { describe, expect, it } from 'vitest';
import { fillGap, gapAtCaret, hasGap, highlightGaps } from '../src/logic/gaps.js';

describe('highlightGaps', () => {
  it('is the plain text without a fill', () => {
    expect(highlightGaps('hello ___', undefined)).toEqual([{ text: 'hello ___', filled: false }]);
  });

  it('marks each filled gap and keeps the rest plain', () => {
    const segments = highlightGaps('this place is ___ and [MASK]!', {
      text: 'this place is great and fun!',
      gaps: [
        { index: 0, token: 'great', score: 0.4 },
        { index: 1, token: 'fun', score: 0.2 },
      ],
    });
    expect(segments).toEqual([
      { text: 'this place is ', filled: false },
      { text: 'great', filled: true },
      { text: ' and ', filled: false },
      { text: 'fun', filled: true },
      { text: '!', filled: false },
    ]);
  });

  it('leaves a gap the tag does not cover as written', () => {
    const segments = highlightGaps('___ is ____', { text: 'x', gaps: [{ index: 1, token: 'nice', score: 1 }] });
    expect(segments).toEqual([
      { text: '___ is ', filled: false },
      { text: 'nice', filled: true },
    ]);
  });
});

describe('gap helpers', () => {
  it('finds the gap at or before the caret and fills it', () => {
    const text = 'a ___ b ___ c';
    expect(hasGap(text)).toBe(true);
    expect(hasGap('no gap __ here')).toBe(false);
    expect(gapAtCaret(text, 0)).toBe(-1);
    expect(gapAtCaret(text, 5)).toBe(0);
    expect(gapAtCaret(text, text.length)).toBe(1);
    expect(fillGap(text, 1, 'word')).toBe('a ___ b word c');
  });
});
