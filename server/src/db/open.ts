/**
 * Opens the database: PostgreSQL when DATABASE_URL is set, otherwise the
 * embedded PGlite (PostgreSQL in WebAssembly) in DATA_DIR. Either way pending
 * migrations are applied first and one Prisma client (engine-free, through a
 * driver adapter) is returned.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/client.js';
import { applyMigrations, type SqlSession } from './migrate.js';

export { PrismaClient };

export interface DatabaseOptions {
  /** postgres://… ; when absent the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite's data folder. */
  dataDir: string;
}

export interface Database {
  prisma: PrismaClient;
  kind: 'postgresql' | 'pglite';
  /** Migrations applied by this open (empty when the schema was current). */
  migrated: string[];
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openPglite(options.dataDir);
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client's error (database restarted) must not crash the process; the pool replaces it.
  pool.on('error', (error) => console.error('[db] idle PostgreSQL connection failed:', error.message));
  let migrated: string[];
  const conn = await pool.connect();
  try {
    migrated = await applyMigrations({
      exec: async (sql) => void (await conn.query(sql)),
      query: async <T>(sql: string, params?: unknown[]) => (await conn.query(sql, params)).rows as T[],
    });
  } catch (error) {
    conn.release();
    await pool.end();
    throw error;
  }
  conn.release();
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    kind: 'postgresql',
    migrated,
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  await mkdir(dataDir, { recursive: true });
  const lite = await PGlite.create(dataDir);
  const session: SqlSession = {
    exec: async (sql) => void (await lite.exec(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await lite.query<T>(sql, params)).rows,
  };
  let migrated: string[];
  try {
    migrated = await applyMigrations(session);
  } catch (error) {
    await lite.close();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(lite) });
  return {
    prisma,
    kind: 'pglite',
    migrated,
    close: async () => {
      await prisma.$disconnect();
      await lite.close();
    },
  };
}
