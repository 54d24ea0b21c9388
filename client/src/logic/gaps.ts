/**
 * Splits a comment into plain text and filled gaps, so the UI can highlight
 * the words the model put in. Pure.
 */
import type { ChatTag } from '../../../shared/src/messages.js';

export interface Segment {
  text: string;
  /** True for a word the model filled into a gap. */
  filled: boolean;
}

/** Same as shared GAP_PATTERN (`___` or `[MASK]`); a local non-global copy keeps `split` stateless. */
const GAP = /_{3,}|\[MASK\]/;

export function hasGap(text: string): boolean {
  return GAP.test(text);
}

/**
 * The original text with each gap replaced by its filled word (marked
 * `filled`). Gaps the tag does not cover stay as written.
 */
export function highlightGaps(text: string, filled: ChatTag['filled']): Segment[] {
  if (!filled || filled.gaps.length === 0) return [{ text, filled: false }];
  const byIndex = new Map(filled.gaps.map((g) => [g.index, g.token]));
  const parts = text.split(new RegExp(GAP.source, 'g'));
  const gapsInText = text.match(new RegExp(GAP.source, 'g')) ?? [];
  const segments: Segment[] = [];
  parts.forEach((part, i) => {
    if (part) segments.push({ text: part, filled: false });
    if (i < gapsInText.length) {
      const token = byIndex.get(i);
      segments.push(token === undefined ? { text: gapsInText[i]!, filled: false } : { text: token, filled: true });
    }
  });
  return mergePlain(segments);
}

function mergePlain(segments: Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    const last = out[out.length - 1];
    if (last && !last.filled && !s.filled) last.text += s.text;
    else out.push({ ...s });
  }
  return out;
}

/** The gap the caret is in or just after (its index among the gaps), or -1. */
export function gapAtCaret(text: string, caret: number): number {
  const re = new RegExp(GAP.source, 'g');
  let index = -1;
  let i = 0;
  for (let m = re.exec(text); m; m = re.exec(text), i++) {
    if (m.index <= caret) index = i;
  }
  return index;
}

/** Replace the gap with this index by `word`. */
export function fillGap(text: string, index: number, word: string): string {
  let i = 0;
  return text.replace(new RegExp(GAP.source, 'g'), (gap) => (i++ === index ? word : gap));
}
