import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/test/**/*.test.ts', 'shared/test/**/*.test.ts', 'client/test/**/*.test.ts'],
    // Colyseus's matchmaker is a process-wide singleton: each test file runs in its own process.
    pool: 'forks',
    // The browser tests load the built client; it is built once, before any test file runs.
    globalSetup: ['client/test/browser/globalSetup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
