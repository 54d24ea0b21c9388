/**
 * Tags comments that stayed untagged (inference was down or slow, or the
 * server stopped between storing a comment and tagging it), then lets AutoMod
 * decide as if the tag had come in time; the room, wherever it lives, is told.
 */
import type { ModerationService, Tag } from './service.js';

/** Tags one text; rejects when inference cannot (the comment is retried on the next pass). */
export type TagText = (text: string) => Promise<Tag>;

export interface BackfillOptions {
  intervalMs: number;
  /** Comments younger than this are still in their room's own pipeline. */
  graceMs: number;
  batch?: number;
}

export class Backfill {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly moderation: ModerationService,
    private readonly tagText: TagText,
    private readonly options: BackfillOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
    void this.runOnce();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass; returns how many comments were tagged. Overlapping calls share the pass in progress. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<number> {
    let tagged = 0;
    try {
      for (;;) {
        const batch = await this.moderation.comments.untagged(this.options.batch ?? 32, new Date(Date.now() - this.options.graceMs));
        if (batch.length === 0) return tagged;
        const results = await Promise.allSettled(batch.map(async (c) => this.moderation.applyTag(c.id, await this.tagText(c.text))));
        const ok = results.filter((r) => r.status === 'fulfilled').length;
        tagged += ok;
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        // Inference is down: try again on the next pass rather than spinning now.
        if (failed) {
          console.warn(`[backfill] ${results.length - ok} comment(s) could not be tagged yet: ${String(failed.reason)}`);
          return tagged;
        }
      }
    } catch (error) {
      console.error('[backfill] pass failed:', error);
      return tagged;
    }
  }
}
