/**
 * Validation of everything a client sends, shared so the client can check
 * input before sending and the server enforces the same rules.
 */
import { z } from 'zod';
import { ANIMATIONS, CHAT_MAX_LENGTH } from './messages.js';
import { WORLD_IDS } from './worlds.js';

export const NAME_MIN_LENGTH = 2;
export const NAME_MAX_LENGTH = 20;

const finite = z.number().finite();

export const movePayload = z.strictObject({
  x: finite,
  y: finite,
  z: finite,
  rot: finite,
  anim: z.enum(ANIMATIONS),
});

export const chatPayload = z.strictObject({
  text: z
    .string()
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .min(1, 'chat text is empty')
        .max(CHAT_MAX_LENGTH, `chat text is longer than ${CHAT_MAX_LENGTH} characters`),
    ),
});

export const portalPayload = z.strictObject({
  portalId: z.string().max(64),
});

/** Trim, collapse inner whitespace; letters (any script), digits, space, `_ . -`. */
export const displayName = z
  .string({ error: 'name is required' })
  .transform((s) => s.normalize('NFC').trim().replace(/\s+/g, ' '))
  .pipe(
    z
      .string()
      .min(NAME_MIN_LENGTH, `name must be at least ${NAME_MIN_LENGTH} characters`)
      .max(NAME_MAX_LENGTH, `name must be at most ${NAME_MAX_LENGTH} characters`)
      .regex(/^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u, 'name may use letters, digits, spaces and _ . - and must start with a letter or digit'),
  );

export const colorHex = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'color must look like #rrggbb');

export const joinOptions = z.object({
  worldId: z.enum(WORLD_IDS as [string, ...string[]], { error: `worldId must be one of ${WORLD_IDS.join(', ')}` }),
  name: displayName,
  color: colorHex.optional(),
  avatar: z.number().int().min(0).max(15).optional(),
  via: z.string().max(64).optional(),
});

/** One readable line from a zod error, for error messages sent to clients. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}
