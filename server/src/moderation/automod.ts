/**
 * AutoMod: decides from a comment's text and tags whether others may see it
 * or it is held for a moderator. Pure functions of a per-world policy, so the
 * rules are testable without a server.
 */
import { z } from 'zod';
import { WORLD_IDS, type ChatTag, type WorldId } from '../../../shared/src/index.js';

export const FAIL_MODES = ['open', 'closed'] as const;
export type FailMode = (typeof FAIL_MODES)[number];

export interface AutoModPolicy {
  /** Hold when the negative score (1 − P(positive)) is at least this; 1 disables it. */
  negativeThreshold: number;
  /** Hold when the text (or its filled version) contains one of these words or phrases (case-insensitive, whole words). */
  blockedTerms: string[];
  /**
   * When the tag misses its deadline: `open` shows the comment untagged (and
   * holds it later if the late tag says so); `closed` keeps it from others until tagged.
   */
  failMode: FailMode;
}

export const policyOverride = z.strictObject({
  negativeThreshold: z.number().min(0).max(1).optional(),
  blockedTerms: z.array(z.string().trim().min(1).max(100)).max(1000).optional(),
  failMode: z.enum(FAIL_MODES).optional(),
});

/** `AUTOMOD_WORLDS`: `{ "forest": { "negativeThreshold": 0.8, "blockedTerms": ["…"], "failMode": "closed" } }` */
export const worldOverrides = z.partialRecord(z.enum(WORLD_IDS as [WorldId, ...WorldId[]]), policyOverride);
export type WorldOverrides = z.infer<typeof worldOverrides>;

export interface AutoModConfig {
  defaults: AutoModPolicy;
  worlds: WorldOverrides;
}

export function policyFor(config: AutoModConfig, worldId: string): AutoModPolicy {
  const override = config.worlds[worldId as WorldId] ?? {};
  return {
    negativeThreshold: override.negativeThreshold ?? config.defaults.negativeThreshold,
    // A world's list adds to the global one: a world can be stricter, never blind to the global list.
    blockedTerms: [...config.defaults.blockedTerms, ...(override.blockedTerms ?? [])],
    failMode: override.failMode ?? config.defaults.failMode,
  };
}

export type Verdict = { status: 'visible' } | { status: 'held'; reason: string };

/** Letters and digits in any script, case- and compatibility-folded, single spaces. */
function normalise(text: string): string {
  return ` ${text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
}

/** The first blocked term found in any of the texts, matched as whole words. */
export function blockedTermIn(policy: AutoModPolicy, ...texts: Array<string | null | undefined>): string | undefined {
  const haystacks = texts.filter((t): t is string => typeof t === 'string').map(normalise);
  return policy.blockedTerms.find((term) => {
    const needle = normalise(term);
    return needle.trim() !== '' && haystacks.some((h) => h.includes(needle));
  });
}

/** Before any tag: only a blocked term can decide. */
export function judgeText(policy: AutoModPolicy, text: string): Verdict | undefined {
  const term = blockedTermIn(policy, text);
  return term === undefined ? undefined : { status: 'held', reason: `blocked term "${term}"` };
}

/** With the tag: blocked terms (also in the filled text), then the negative score. */
export function judgeTagged(policy: AutoModPolicy, text: string, tag: Pick<ChatTag, 'sentiment' | 'filled'>): Verdict {
  const term = blockedTermIn(policy, text, tag.filled?.text);
  if (term !== undefined) return { status: 'held', reason: `blocked term "${term}"` };
  const negative = 1 - tag.sentiment.positive;
  if (negative >= policy.negativeThreshold) {
    return { status: 'held', reason: `negative score ${negative.toFixed(2)} ≥ ${policy.negativeThreshold}` };
  }
  return { status: 'visible' };
}
