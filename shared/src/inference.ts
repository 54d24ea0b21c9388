/**
 * The inference HTTP API's request and response bodies
 * (`POST /api/v1/fill-mask`, `POST /api/v1/sentiment`), shared by the server,
 * the client (word suggestions) and the benchmarks.
 */
import type { SentimentLabel } from './messages.js';

/** Either one text or several; limits in INFERENCE_LIMITS. */
export type InferenceRequest = { text: string } | { texts: string[] };

export const INFERENCE_LIMITS = {
  maxTexts: 64,
  maxTextLength: 512,
} as const;

/** Gaps are written `___` (three or more underscores) or `[MASK]`. */
export const GAP_PATTERN = /_{3,}|\[MASK\]/g;

/**
 * The words that filled each gap, recovered from the original text and the
 * filled one (as stored): `filled` is `text` with each gap replaced by one word.
 * Scores are not stored, so they come back as 0.
 */
export function recoverFilledGaps(text: string, filled: string): Array<{ index: number; token: string; score: number }> {
  const literals = text.split(new RegExp(GAP_PATTERN.source));
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${literals.map(escape).join('(.+?)')}$`, 's').exec(filled);
  if (!match) return [];
  return match.slice(1).map((token, index) => ({ index, token, score: 0 }));
}

export interface FillMaskCandidate {
  token: string;
  score: number;
}

export interface FillMaskResult {
  text: string;
  /** The text with each gap replaced by its best candidate. */
  filled: string;
  /** One entry per gap, in order; candidates best first. */
  gaps: Array<{ index: number; candidates: FillMaskCandidate[] }>;
}

export interface SentimentResult {
  text: string;
  label: SentimentLabel;
  /** Probability of the positive class. */
  positive: number;
  /** The model's own label and its probability (e.g. "POSITIVE", 0.97). */
  modelLabel: string;
  score: number;
}

export interface InferenceResponse<R> {
  results: R[];
}

export interface InferenceErrorBody {
  error: 'bad_request' | 'too_long' | 'overloaded' | 'timeout' | 'unavailable' | 'internal_error';
  message: string;
}
