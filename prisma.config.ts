/**
 * Prisma CLI configuration. The server itself never needs the CLI at run time:
 * it opens PGlite or PostgreSQL through driver adapters and applies the SQL
 * migrations itself. `prisma migrate deploy` (where its engine can be
 * downloaded) reads DATABASE_URL from here.
 */
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
