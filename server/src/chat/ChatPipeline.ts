/**
 * The one home of what happens to a chat comment once the world room has
 * validated and rate-limited it. Today: stamp it and show it as a bubble.
 * Persistence (stored before anything else), inference tags and AutoMod
 * holds are the next steps of this pipeline (issues 4 and 5).
 */
import { randomUUID } from 'node:crypto';
import type { ChatBubble, WorldId } from '../../../shared/src/index.js';

export interface ChatAuthor {
  worldId: WorldId;
  roomId: string;
  sessionId: string;
  name: string;
}

export interface ChatDelivery {
  /** Show the bubble to the players of the speaker's room. */
  showBubble(bubble: ChatBubble): void;
}

export class ChatPipeline {
  constructor(private readonly now: () => number = Date.now) {}

  /** Take a validated comment; returns the bubble that was shown. */
  submit(author: ChatAuthor, text: string, delivery: ChatDelivery): ChatBubble {
    const bubble: ChatBubble = {
      id: randomUUID(),
      sessionId: author.sessionId,
      name: author.name,
      text,
      sentAt: this.now(),
    };
    delivery.showBubble(bubble);
    return bubble;
  }
}
