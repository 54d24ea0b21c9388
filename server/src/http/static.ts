/**
 * Serves the Vite-built browser client (dist/client): the game at `/`, the
 * moderator dashboard at `/moderator/`. Hashed assets are cached for good;
 * the HTML pages are revalidated so a new build shows at once.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Application } from 'express';

/** dist/client under the repository root: the nearest folder above this file holding package.json. */
export function defaultClientDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'client');
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
