/**
 * The one home of what happens to a chat comment once the world room has
 * validated and rate-limited it:
 *   1. stamp it and show the bubble at once (the speaker and, before AutoMod, everyone);
 *   2. fill its gaps (if any) and tag its sentiment through the inference room;
 *   3. deliver the tag, which the clients put on the bubble as its badge.
 * If inference is slow or down the bubble stays untagged.
 *
 * With moderation (persistence and AutoMod) the order is instead:
 *   1. refuse it if the speaker is muted; store it (pending) before anything else;
 *   2. show it to the speaker at once; hold it at once if a blocked term decides;
 *   3. tag it; AutoMod decides from the tag whether others see it or it is held;
 *   4. if the tag misses the AutoMod deadline, the world's fail mode decides
 *      (open: shown untagged, held later if the tag says so; closed: wait for the tag).
 * A comment whose tag never comes stays stored and is tagged by the backfill.
 */
import { randomUUID } from 'node:crypto';
import { GAP_PATTERN, type ChatBubble, type ChatTag, type FillMaskResult, type SentimentResult, type WorldId } from '../../../shared/src/index.js';
import type { InferenceClient } from '../inference/presenceChannel.js';
import type { RoomCommand } from '../moderation/bus.js';
import { bubbleOf, type ModerationService } from '../moderation/service.js';

export interface ChatAuthor {
  worldId: WorldId;
  roomId: string;
  sessionId: string;
  name: string;
}

export interface ChatDelivery {
  /** Show the bubble to the players of the speaker's room. */
  showBubble(bubble: ChatBubble): void;
  /** Put the tag on the bubble. */
  showTag(tag: ChatTag): void;
  /** Moderated comments: show the bubble to its speaker only. */
  showToSpeaker?(bubble: ChatBubble): void;
  /** Moderated comments: carry out what moderation decided, in this room. */
  apply?(command: RoomCommand): void;
  /** The comment was not accepted (muted, or it could not be stored): tell the speaker. */
  refuse?(code: 'muted' | 'internal_error', message: string): void;
}

/** What the pipeline needs to moderate comments. */
export interface ChatModeration {
  service: ModerationService;
  /** Others wait this long for the tag before the world's fail mode decides. */
  tagDeadlineMs: number;
}

/** Fill the gaps first, so the sentiment is that of the sentence the players will read. */
export async function tagComment(inference: InferenceClient, id: string, text: string, deadline: number): Promise<ChatTag> {
  let filled: FillMaskResult | undefined;
  if (new RegExp(GAP_PATTERN.source).test(text)) {
    filled = (await inference.submit('fill-mask', text, { deadline })) as FillMaskResult;
  }
  const sentiment = (await inference.submit('sentiment', filled?.filled ?? text, { deadline })) as SentimentResult;
  const tag: ChatTag = { id, sentiment: { label: sentiment.label, positive: sentiment.positive } };
  if (filled) {
    tag.filled = {
      text: filled.filled,
      gaps: filled.gaps.map((g) => ({ index: g.index, token: g.candidates[0]?.token ?? '', score: g.candidates[0]?.score ?? 0 })),
    };
  }
  return tag;
}

export class ChatPipeline {
  constructor(
    private readonly inference: InferenceClient,
    private readonly tagTimeoutMs: number,
    private readonly now: () => number = Date.now,
    private readonly moderation?: ChatModeration,
  ) {}

  /** Take a validated comment; returns the bubble that was shown. The tag follows when it comes. */
  submit(author: ChatAuthor, text: string, delivery: ChatDelivery): ChatBubble {
    const bubble: ChatBubble = {
      id: randomUUID(),
      sessionId: author.sessionId,
      name: author.name,
      text,
      sentAt: this.now(),
    };
    if (this.moderation) {
      this.moderated(this.moderation, author, bubble, delivery).catch((error: unknown) =>
        console.error(`[chat] comment ${bubble.id} failed in moderation:`, error),
      );
      return bubble;
    }
    delivery.showBubble(bubble);
    tagComment(this.inference, bubble.id, text, this.now() + this.tagTimeoutMs).then(
      (tag) => delivery.showTag(tag),
      (error: unknown) => console.warn(`[chat] comment ${bubble.id} stays untagged: ${error instanceof Error ? error.message : String(error)}`),
    );
    return bubble;
  }

  private async moderated({ service, tagDeadlineMs }: ChatModeration, author: ChatAuthor, bubble: ChatBubble, delivery: ChatDelivery): Promise<void> {
    const apply = (command: RoomCommand) => delivery.apply?.(command);
    // A muted player is told, so nothing they write vanishes silently.
    const mute = await service.activeSanction('mute', author.name);
    if (mute) return delivery.refuse?.('muted', `a moderator muted you until ${mute.expiresAt}${mute.reason ? `: ${mute.reason}` : ''}`);
    let held: string | undefined;
    try {
      ({ held } = await service.receive({ ...author, id: bubble.id, text: bubble.text, createdAt: new Date(bubble.sentAt) }));
    } catch (error) {
      console.error(`[chat] comment ${bubble.id} could not be stored:`, error);
      return delivery.refuse?.('internal_error', 'your comment could not be saved; please send it again');
    }
    delivery.showToSpeaker?.(bubble);
    if (held !== undefined) apply({ kind: 'held', id: bubble.id, sessionId: author.sessionId, reason: held, wasShown: false });

    // The deadline and the tag may race: one chain per comment keeps their effects in order.
    let chain = Promise.resolve();
    const then = (step: () => Promise<void>) => {
      chain = chain.then(step).catch((error: unknown) => console.error(`[chat] comment ${bubble.id}:`, error));
    };
    let tagged = false;
    const policy = service.policy(author.worldId);
    const deadline =
      held === undefined && policy.failMode === 'open'
        ? setTimeout(
            () =>
              then(async () => {
                if (tagged) return;
                const shown = await service.showUntagged(bubble.id);
                if (shown) apply({ kind: 'show', bubble: bubbleOf(shown) });
              }),
            tagDeadlineMs,
          )
        : undefined;
    tagComment(this.inference, bubble.id, bubble.text, this.now() + this.tagTimeoutMs).then(
      (tag) =>
        then(async () => {
          tagged = true;
          clearTimeout(deadline);
          await service.applyTag(bubble.id, tag, apply);
        }),
      (error: unknown) => {
        console.warn(`[chat] comment ${bubble.id} stays untagged for now (the backfill will tag it): ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }
}
