/**
 * The two tasks as plain functions over batches: tokenize, pad to the longest
 * sequence of the batch (not a fixed length), run the session once, and turn
 * logits into results. A text that cannot be processed gets its own error;
 * the rest of the batch is unaffected.
 */
import * as ort from 'onnxruntime-node';
import { GAP_PATTERN, type FillMaskCandidate, type FillMaskResult, type SentimentResult } from '../../../shared/src/index.js';
import { InferenceError } from './errors.js';
import type { LoadedModel } from './model.js';

export interface SentimentOptions {
  /** Positive probability within 0.5 ± this is labelled neutral. */
  neutralMargin: number;
}

function int64(values: number[], dims: number[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
}

/** Feeds for a batch of token id sequences, padded to the longest one. */
function padBatch(model: LoadedModel, sequences: number[][]): Record<string, ort.Tensor> {
  const width = Math.max(...sequences.map((s) => s.length));
  const ids: number[] = [];
  const mask: number[] = [];
  for (const s of sequences) {
    for (let i = 0; i < width; i++) {
      ids.push(i < s.length ? s[i]! : model.padId);
      mask.push(i < s.length ? 1 : 0);
    }
  }
  const dims = [sequences.length, width];
  const feeds: Record<string, ort.Tensor> = { input_ids: int64(ids, dims), attention_mask: int64(mask, dims) };
  if (model.session.inputNames.includes('token_type_ids')) feeds.token_type_ids = int64(new Array<number>(ids.length).fill(0), dims);
  return feeds;
}

function softmaxInPlace(values: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    values[i] = Math.exp(values[i]! - max);
    sum += values[i]!;
  }
  for (let i = 0; i < values.length; i++) values[i]! /= sum;
  return values;
}

function tooLong(model: LoadedModel, length: number): InferenceError {
  return new InferenceError('bad_input', `text is too long for the model (${length} tokens, at most ${model.maxLength})`);
}

interface FillMaskItem {
  index: number;
  ids: number[];
  positions: number[];
}

export async function fillMaskBatch(model: LoadedModel, texts: string[], topK: number): Promise<Array<FillMaskResult | InferenceError>> {
  const results: Array<FillMaskResult | InferenceError> = new Array(texts.length);
  const items: FillMaskItem[] = [];
  texts.forEach((text, index) => {
    const gaps = text.match(GAP_PATTERN)?.length ?? 0;
    if (gaps === 0) {
      results[index] = new InferenceError('bad_input', 'no gap to fill: write ___ or [MASK] where a word is missing');
      return;
    }
    const ids: number[] = model.tokenizer.encode(text.replace(GAP_PATTERN, ' [MASK] ')).ids;
    if (ids.length > model.maxLength) {
      results[index] = tooLong(model, ids.length);
      return;
    }
    const positions = ids.flatMap((id: number, i: number) => (id === model.maskId ? [i] : []));
    items.push({ index, ids, positions });
  });
  if (items.length === 0) return results;

  const feeds = padBatch(model, items.map((i) => i.ids));
  const gapsWidth = Math.max(...items.map((i) => i.positions.length));
  if (model.maskedOutput) {
    feeds.masked_positions = int64(
      items.flatMap((i) => Array.from({ length: gapsWidth }, (_, j) => i.positions[j] ?? 0)),
      [items.length, gapsWidth],
    );
  }
  const { logits } = await model.session.run(feeds);
  if (!logits) throw new InferenceError('internal', 'the model returned no logits');
  const data = logits.data as Float32Array;
  const [, rows, vocab] = logits.dims as [number, number, number];

  for (const [b, item] of items.entries()) {
    const gaps = item.positions.map((position, j) => {
      const row = model.maskedOutput ? j : position;
      const probs = softmaxInPlace(data.slice((b * rows + row) * vocab, (b * rows + row + 1) * vocab));
      return { index: j, candidates: topCandidates(model, probs, topK) };
    });
    let k = 0;
    const filled = texts[item.index]!.replace(GAP_PATTERN, () => gaps[k++]?.candidates[0]?.token ?? '___');
    results[item.index] = { text: texts[item.index]!, filled, gaps };
  }
  return results;
}

/**
 * The k most likely words for a gap. A gap stands between spaces, so only
 * whole words fill it: special tokens, `##` word pieces and bare punctuation
 * never do.
 */
function topCandidates(model: LoadedModel, probs: Float32Array, k: number): FillMaskCandidate[] {
  const best: Array<{ token: string; p: number }> = [];
  for (let id = 0; id < probs.length; id++) {
    const p = probs[id]!;
    if (best.length === k && p <= best[k - 1]!.p) continue;
    if (!isWordToken(model, id)) continue;
    best.push({ token: model.tokenizer.id_to_token(id)!, p });
    best.sort((a, b) => b.p - a.p);
    if (best.length > k) best.pop();
  }
  return best.map(({ token, p }) => ({ token, score: p }));
}

const wordTokenCache = new WeakMap<LoadedModel, Uint8Array>();

/** Whether a vocabulary entry is a whole word (computed once per model). */
function isWordToken(model: LoadedModel, id: number): boolean {
  let flags = wordTokenCache.get(model);
  if (!flags) {
    const size = model.tokenizer.get_vocab(true).size;
    flags = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      const token = model.tokenizer.id_to_token(i);
      flags[i] = token !== undefined && !model.specialIds.has(i) && !token.startsWith('##') && /[\p{L}\p{N}]/u.test(token) ? 1 : 0;
    }
    wordTokenCache.set(model, flags);
  }
  return flags[id] === 1;
}

export async function sentimentBatch(model: LoadedModel, texts: string[], options: SentimentOptions): Promise<SentimentResult[]> {
  const sepId = model.tokenizer.token_to_id('[SEP]');
  const sequences = texts.map((text) => {
    const ids = model.tokenizer.encode(text).ids;
    // Long texts keep their beginning; the classifier reads at most maxLength tokens.
    return ids.length <= model.maxLength ? ids : [...ids.slice(0, model.maxLength - 1), ...(sepId === undefined ? [] : [sepId])];
  });
  const { logits } = await model.session.run(padBatch(model, sequences));
  if (!logits) throw new InferenceError('internal', 'the model returned no logits');
  const data = logits.data as Float32Array;
  const labels = logits.dims[1]!;
  const positiveIndex = Number(Object.entries(model.id2label).find(([, l]) => /pos/i.test(l))?.[0] ?? 1);

  return texts.map((text, b) => {
    const probs = softmaxInPlace(data.slice(b * labels, (b + 1) * labels));
    let top = 0;
    for (let i = 1; i < labels; i++) if (probs[i]! > probs[top]!) top = i;
    const positive = probs[positiveIndex]!;
    const label = positive >= 0.5 + options.neutralMargin ? 'positive' : positive <= 0.5 - options.neutralMargin ? 'negative' : 'neutral';
    return { text, label, positive, modelLabel: model.id2label[String(top)] ?? String(top), score: probs[top]! };
  });
}
