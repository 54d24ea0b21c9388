/** The game server's plain HTTP API, as the client uses it. */
import type { FillMaskResult, InferenceResponse } from '../../../shared/src/inference.js';
import type { WorldSummary } from '../../../shared/src/worlds.js';

/**
 * Where the Colyseus endpoint lives: the page's own origin. Under `vite dev`
 * it is proxied at /game (see vite.config.ts) so Vite's own routes stay apart.
 */
export function gameEndpoint(): string {
  return `${location.origin}${import.meta.env.DEV ? '/game' : ''}`;
}

export async function fetchWorlds(signal?: AbortSignal): Promise<WorldSummary[]> {
  const res = await fetch('/api/worlds', { signal: signal ?? null });
  if (!res.ok) throw new Error(`the server answered ${res.status}`);
  const body = (await res.json()) as { worlds: WorldSummary[] };
  return body.worlds;
}

/** One fill-mask call for the suggestions; throws on any failure (the caller stays quiet). */
export async function fetchFillMask(text: string, signal: AbortSignal): Promise<FillMaskResult | undefined> {
  const res = await fetch('/api/v1/fill-mask', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
    signal,
  });
  if (!res.ok) throw new Error(`fill-mask answered ${res.status}`);
  const body = (await res.json()) as InferenceResponse<FillMaskResult>;
  return body.results[0];
}
