/**
 * Builds the browser client: the game (index.html) and the moderator
 * dashboard (moderator/index.html) into dist/client, which the game server
 * serves. `npm run dev:client` runs Vite's dev server, proxying the API and
 * the game connection to a game server on GAME_SERVER (default :2567).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const gameServer = process.env.GAME_SERVER ?? 'http://localhost:2567';

export default defineConfig({
  root,
  build: {
    outDir: fileURLToPath(new URL('../dist/client', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    // .vite/manifest.json: which chunks each page loads at once and which lazily (read by the benchmark).
    manifest: true,
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('index.html', import.meta.url)),
        moderator: fileURLToPath(new URL('moderator/index.html', import.meta.url)),
      },
    },
  },
  server: {
    proxy: {
      '/api': gameServer,
      // The client talks to Colyseus under /game in dev (see src/net/api.ts): matchmaking over HTTP, rooms over WebSocket.
      '/game': { target: gameServer, ws: true, rewrite: (path) => path.replace(/^\/game/, '') },
      // The moderator dashboard's live feed (socket.io).
      '/socket.io': { target: gameServer, ws: true },
    },
  },
});
