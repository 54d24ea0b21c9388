/**
 * Graceful operation of the inference room's request channel: when the room
 * closes (SIGTERM, or handing over to another process) it stops taking
 * requests at once, yet answers the ones it already took before it is gone.
 * Real presence pub/sub (LocalPresence, the same interface RedisPresence
 * has); the model is replaced by a request we finish by hand, to hold one in flight.
 */
import { LocalPresence } from '@colyseus/core';
import { describe, expect, it } from 'vitest';
import { PresenceInferenceClient, serveInferenceRequests, type InferenceClient } from '../src/inference/presenceChannel.js';
import { sleep, waitFor } from './helpers.js';

describe('the inference request channel on shutdown', () => {
  it('answers requests in flight before it stops, and takes no new ones', async () => {
    const presence = new LocalPresence();
    const held: Array<(value: unknown) => void> = [];
    const model: InferenceClient = { submit: (_task, text) => new Promise((resolve) => held.push(() => resolve({ echoed: text }))) };
    const stop = serveInferenceRequests(presence, model);
    const client = await PresenceInferenceClient.connect(presence, 2000);

    const inFlight = client.submit('sentiment', 'taken before the stop');
    await waitFor('the request to reach the model', () => held.length === 1);
    let stopped = false;
    const stopping = stop().then(() => (stopped = true));
    await sleep(50);
    expect(stopped).toBe(false); // still owes an answer

    const late = client.submit('sentiment', 'sent after the stop');
    held[0]!({ echoed: 'taken before the stop' });
    await stopping;
    await expect(inFlight).resolves.toEqual({ echoed: 'taken before the stop' });
    // Nobody serves the channel any more: the late request is not taken, and times out on the client.
    await expect(late).rejects.toThrow(/no answer/);
    expect(held).toHaveLength(1);
    await client.close();
  });
});
