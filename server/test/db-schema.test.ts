/**
 * The migrations in prisma/migrations produce exactly the database that
 * prisma/schema.prisma describes (tables, columns, types, nullability,
 * defaults, enums, keys, indexes, foreign keys), on PostgreSQL and on PGlite;
 * they are recorded in `_prisma_migrations` as Prisma Migrate would; applying
 * them again is a no-op. The schema side comes from Prisma's own parser (DMMF).
 */
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/open.js';
import { MIGRATIONS_DIR, readMigrations } from '../src/db/migrate.js';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from './moderationHelpers.js';

// The package is CommonJS with a WebAssembly build of Prisma's schema parser.
const schemaWasm = createRequire(import.meta.url)('@prisma/prisma-schema-wasm') as { get_dmmf(params: string): string };

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object';
  isRequired: boolean;
  isList: boolean;
  isId: boolean;
  isUnique: boolean;
  isUpdatedAt: boolean;
  hasDefaultValue: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface Dmmf {
  datamodel: {
    models: DmmfModel[];
    enums: Array<{ name: string; dbName: string | null; values: Array<{ name: string }> }>;
    indexes: Array<{ model: string; type: 'id' | 'normal' | 'unique'; dbName?: string | null; fields: Array<{ name: string }> }>;
  };
}

async function loadDmmf(): Promise<Dmmf> {
  const schema = await readFile(new URL('../../prisma/schema.prisma', import.meta.url), 'utf8');
  return JSON.parse(schemaWasm.get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', schema]] }))) as Dmmf;
}

const column = (f: DmmfField) => f.dbName ?? f.name;
const table = (m: DmmfModel) => m.dbName ?? m.name;

/** The PostgreSQL type Prisma Migrate gives a field. */
function expectedType(f: DmmfField, enums: Dmmf['datamodel']['enums']): string {
  if (f.kind === 'enum') {
    const e = enums.find((x) => x.name === f.type);
    return `enum:${e?.dbName ?? f.type}`;
  }
  if (f.nativeType?.[0] === 'Timestamptz') return `timestamp with time zone(${f.nativeType[1][0] ?? 6})`;
  const byType: Record<string, string> = {
    String: 'text',
    Int: 'integer',
    Float: 'double precision',
    Boolean: 'boolean',
    DateTime: 'timestamp without time zone(3)',
    Json: 'jsonb',
    BigInt: 'bigint',
  };
  return byType[f.type] ?? `unknown:${f.type}`;
}

/** Defaults the database itself holds (uuid() and cuid() are filled in by the client). */
function expectsDbDefault(f: DmmfField): boolean {
  if (!f.hasDefaultValue) return false;
  const d = f.default as { name?: string } | undefined;
  return !(typeof d === 'object' && d !== null && (d.name === 'uuid' || d.name === 'cuid' || d.name === 'nanoid'));
}

const onDeleteSql: Record<string, string> = { Cascade: 'CASCADE', SetNull: 'SET NULL', Restrict: 'RESTRICT', NoAction: 'NO ACTION', SetDefault: 'SET DEFAULT' };

describe.each(DATABASE_KINDS)('migrations on %s', (kind) => {
  let testDb: TestDatabase;
  let db: Database;
  let dmmf: Dmmf;
  const q = <T>(sql: string) => db.prisma.$queryRawUnsafe<T[]>(sql);

  beforeAll(async () => {
    dmmf = await loadDmmf();
    testDb = await createTestDatabase(kind);
    db = await openDatabase({ databaseUrl: testDb.env.DATABASE_URL, dataDir: testDb.env.DATA_DIR ?? '' });
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('applies every migration once and records it as Prisma Migrate does', async () => {
    const migrations = await readMigrations(MIGRATIONS_DIR);
    expect(db.migrated).toEqual(migrations.map((m) => m.name));
    const rows = await q<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(migrations.map((m) => [m.name, m.checksum]));
    expect(rows.every((r) => r.finished_at !== null && r.applied_steps_count === 1)).toBe(true);
    const lock = await readFile(new URL('../../prisma/migrations/migration_lock.toml', import.meta.url), 'utf8');
    expect(lock).toMatch(/provider = "postgresql"/);
  });

  it('re-opening applies nothing and keeps the data', async () => {
    await db.prisma.moderationEvent.create({ data: { type: 'probe', payload: { ok: true } } });
    await db.close();
    db = await openDatabase({ databaseUrl: testDb.env.DATABASE_URL, dataDir: testDb.env.DATA_DIR ?? '' });
    expect(db.migrated).toEqual([]);
    expect(await db.prisma.moderationEvent.count({ where: { type: 'probe' } })).toBe(1);
  });

  it('has exactly the tables and columns of schema.prisma, with their types, nullability and defaults', async () => {
    const cols = await q<{ table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string; column_default: string | null; datetime_precision: number | null }>(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, datetime_precision
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const actual = cols
      .map((c) => {
        const type =
          c.data_type === 'USER-DEFINED'
            ? `enum:${c.udt_name}`
            : c.data_type.startsWith('timestamp')
              ? `${c.data_type}(${c.datetime_precision})`
              : c.data_type;
        return `${c.table_name}.${c.column_name} ${type} ${c.is_nullable === 'YES' ? 'null' : 'not null'} ${c.column_default !== null ? 'default' : 'no default'}`;
      })
      .sort();
    const expected = dmmf.datamodel.models
      .flatMap((m) =>
        m.fields
          .filter((f) => f.kind !== 'object')
          .map((f) => `${table(m)}.${column(f)} ${expectedType(f, dmmf.datamodel.enums)} ${f.isRequired ? 'not null' : 'null'} ${expectsDbDefault(f) ? 'default' : 'no default'}`),
      )
      .sort();
    expect(actual).toEqual(expected);
  });

  it('has the enums of schema.prisma with their values in order', async () => {
    const rows = await q<{ name: string; values: string[] }>(
      `SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS values
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = 'public' GROUP BY t.typname`,
    );
    const actual = Object.fromEntries(rows.map((r) => [r.name, r.values]));
    const expected = Object.fromEntries(dmmf.datamodel.enums.map((e) => [e.dbName ?? e.name, e.values.map((v) => v.name)]));
    expect(actual).toEqual(expected);
  });

  it('has the primary keys, unique and plain indexes of schema.prisma, named as Prisma names them', async () => {
    const rows = await q<{ table: string; name: string; unique: boolean; primary: boolean; columns: string[] }>(
      `SELECT t.relname AS table, i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
              array_agg(a.attname ORDER BY k.ord)::text[] AS columns
       FROM pg_index ix
       JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
       WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'
       GROUP BY t.relname, i.relname, ix.indisunique, ix.indisprimary`,
    );
    const actual = rows.map((r) => `${r.table} ${r.primary ? 'pkey' : r.unique ? 'unique' : 'index'} ${r.name} (${r.columns.join(', ')})`).sort();
    const expected = dmmf.datamodel.indexes
      .map((ix) => {
        const model = dmmf.datamodel.models.find((m) => m.name === ix.model)!;
        const cols = ix.fields.map((f) => column(model.fields.find((x) => x.name === f.name)!));
        const t = table(model);
        const kindName = ix.type === 'id' ? 'pkey' : ix.type === 'unique' ? 'unique' : 'index';
        const name = ix.dbName ?? (ix.type === 'id' ? `${t}_pkey` : `${t}_${cols.join('_')}_${ix.type === 'unique' ? 'key' : 'idx'}`);
        return `${t} ${kindName} ${name} (${cols.join(', ')})`;
      })
      .sort();
    expect(actual).toEqual(expected);
  });

  it('has the foreign keys of schema.prisma with their delete rules', async () => {
    const rows = await q<{ table: string; columns: string[]; ref_table: string; ref_columns: string[]; on_delete: string; name: string }>(
      `SELECT c.conname AS name, t.relname AS table, r.relname AS ref_table,
              (SELECT array_agg(a.attname ORDER BY k.ord)::text[] FROM unnest(c.conkey) WITH ORDINALITY k(n, ord) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS columns,
              (SELECT array_agg(a.attname ORDER BY k.ord)::text[] FROM unnest(c.confkey) WITH ORDINALITY k(n, ord) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS ref_columns,
              CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' WHEN 'r' THEN 'RESTRICT' WHEN 'a' THEN 'NO ACTION' WHEN 'd' THEN 'SET DEFAULT' END AS on_delete
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace WHERE c.contype = 'f' AND n.nspname = 'public'`,
    );
    const actual = rows.map((r) => `${r.name}: ${r.table}(${r.columns.join(', ')}) -> ${r.ref_table}(${r.ref_columns.join(', ')}) on delete ${r.on_delete}`).sort();
    const expected = dmmf.datamodel.models
      .flatMap((m) =>
        m.fields
          .filter((f) => f.kind === 'object' && (f.relationFromFields?.length ?? 0) > 0)
          .map((f) => {
            const target = dmmf.datamodel.models.find((x) => x.name === f.type)!;
            const from = f.relationFromFields!.map((n) => column(m.fields.find((x) => x.name === n)!));
            const to = f.relationToFields!.map((n) => column(target.fields.find((x) => x.name === n)!));
            // Prisma's default: SetNull for optional relations, Restrict for required ones.
            const fromRequired = f.relationFromFields!.every((n) => m.fields.find((x) => x.name === n)!.isRequired);
            const onDelete = onDeleteSql[f.relationOnDelete ?? (fromRequired ? 'Restrict' : 'SetNull')];
            return `${table(m)}_${from.join('_')}_fkey: ${table(m)}(${from.join(', ')}) -> ${table(target)}(${to.join(', ')}) on delete ${onDelete}`;
          }),
      )
      .sort();
    expect(actual).toEqual(expected);
  });
});
