/**
 * `npm run moderator:create -- --login NAME [--role admin|moderator]`: creates
 * a moderator account (by default an admin: the first one is made this way,
 * later ones through the API). The password comes from MODERATOR_PASSWORD or
 * the first line of standard input. Uses the same database settings as the
 * server; with the embedded PGlite, stop the server first (one process per data folder).
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { MODERATOR_ROLES, type ModeratorRole } from '../../../shared/src/index.js';
import { ConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/open.js';
import { ModeratorAuth } from './auth.js';

async function readPassword(): Promise<string> {
  if (process.env.MODERATOR_PASSWORD) return process.env.MODERATOR_PASSWORD;
  if (process.stdin.isTTY) process.stdout.write('Password (at least 10 characters): ');
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { login: { type: 'string' }, role: { type: 'string', default: 'admin' } } }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: npm run moderator:create -- --login NAME [--role admin|moderator]`);
    return 2;
  }
  if (!args.login) {
    console.error('usage: npm run moderator:create -- --login NAME [--role admin|moderator]  (password from MODERATOR_PASSWORD or stdin)');
    return 2;
  }
  if (!MODERATOR_ROLES.includes(args.role as ModeratorRole)) {
    console.error(`--role must be one of ${MODERATOR_ROLES.join(', ')}`);
    return 2;
  }
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.database.url, dataDir: config.database.dataDir });
  try {
    const auth = new ModeratorAuth(db.prisma, config.moderation);
    const created = await auth.createModerator(args.login, await readPassword(), args.role as ModeratorRole);
    console.log(`Created ${created.role} "${created.login}" in the ${db.kind === 'pglite' ? `PGlite database in ${config.database.dataDir}` : 'PostgreSQL database'}.`);
    return 0;
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'issues' in error) {
      console.error((error as { issues: Array<{ message: string }> }).issues.map((i) => i.message).join('; '));
    } else if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'P2002') {
      console.error(`a moderator "${args.login}" already exists`);
    } else {
      console.error(error instanceof Error ? error.message : String(error));
    }
    return 1;
  } finally {
    await db.close();
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
}
