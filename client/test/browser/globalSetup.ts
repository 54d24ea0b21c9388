/** Vitest global setup: build the client once for all browser test files (they would otherwise race on dist/client). */
import { buildClient } from './harness.js';

export default async function setup(): Promise<void> {
  await buildClient();
}
