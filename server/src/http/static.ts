/**
 * Serves the Vite-built browser client (dist/client): the game at `/`, the
 * moderator dashboard at `/moderator/`. Hashed assets are cached for good;
 * the HTML pages are revalidated so a new build shows at once.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Application } from 'express';
import { PROJECT_ROOT } from '../paths.js';

/** dist/client under the repository root. */
export function defaultClientDir(): string {
  return join(PROJECT_ROOT, 'dist', 'client');
}

export function mountClient(app: Application, clientDir = defaultClientDir()): void {
  if (!existsSync(join(clientDir, 'index.html'))) {
    console.warn(`[http] no built client in ${clientDir}: run \`npm run build\` to serve the game at /`);
  }
  app.use(
    express.static(clientDir, {
      index: 'index.html',
      setHeaders: (res, path) => {
        res.setHeader('Cache-Control', path.includes(`${join('client', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
}
