import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PGlite } from '@electric-sql/pglite'
import { Prisma } from '../generated/prisma/client.js'
import type { Database } from './database.js'
import { NO_FILTERS, createSchemaEngine, readMigrations, readSchema, scriptSafeFactory, type EngineLog } from './schema-engine.js'

/** The checkout or image root: the nearest ancestor holding prisma/schema.prisma (works from src/ and dist/src/). */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!existsSync(path.join(dir, 'prisma', 'schema.prisma'))) {
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error('Cannot find prisma/schema.prisma above ' + fileURLToPath(import.meta.url))
    dir = parent
  }
  return dir
}

export const SCHEMA_PATH = path.join(projectRoot(), 'prisma', 'schema.prisma')
export const MIGRATIONS_DIR = path.join(projectRoot(), 'prisma', 'migrations')

export interface MigrateResult {
  /** Migrations applied by this call, oldest first. Empty when the database was up to date. */
  applied: string[]
  /** True when this call created the schema: the database had no Broadsheet tables before. */
  createdSchema: boolean
}

/**
 * Applies pending migrations, recording them in `_prisma_migrations` exactly as
 * `prisma migrate deploy` does (so `prisma migrate status` agrees). Callers hold the
 * database's migration lock, so concurrent starts apply each migration once.
 */
export async function applyMigrations(
  db: Database,
  paths: { schema?: string; migrations?: string } = {},
  log?: EngineLog,
): Promise<MigrateResult> {
  const migrationsList = await readMigrations(paths.migrations ?? MIGRATIONS_DIR)
  // The usual start: nothing pending. Then the schema engine (WebAssembly, tens of MB that
  // a running server would keep) is not loaded at all.
  if (await allApplied(db, migrationsList.migrationDirectories.map((m) => m.path))) return { applied: [], createdSchema: false }
  const schema = await readSchema(paths.schema ?? SCHEMA_PATH)
  const adapter = db.migrationAdapter()
  try {
    const engine = await createSchemaEngine(schema, adapter.factory, log)
    try {
      const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS })
      const first = migrationsList.migrationDirectories[0]?.path
      return {
        applied: appliedMigrationNames,
        createdSchema: first !== undefined && appliedMigrationNames.includes(first),
      }
    } finally {
      engine.free()
    }
  } finally {
    await adapter.close()
  }
}

/** True when `_prisma_migrations` records every one of `names` as applied (false when there is no such table). */
async function allApplied(db: Database, names: string[]): Promise<boolean> {
  try {
    const rows = await db.query<{ name: string }>(Prisma.sql`
      SELECT "migration_name" AS "name" FROM "_prisma_migrations" WHERE "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL`)
    const applied = new Set(rows.map((row) => row.name))
    return names.every((name) => applied.has(name))
  } catch {
    return false
  }
}

/**
 * What `prisma migrate diff --from-migrations ... --to-schema ...` would print: the changes
 * that would take a database built from the migrations to the state `schema.prisma`
 * describes, or '' when they agree. Uses throw-away in-memory PGlite databases.
 */
export async function diffMigrationsToSchema(
  paths: { schema?: string; migrations?: string } = {},
): Promise<string> {
  const migrationsList = await readMigrations(paths.migrations ?? MIGRATIONS_DIR)
  const schema = await readSchema(paths.schema ?? SCHEMA_PATH)
  const { PGlite } = await import('@electric-sql/pglite')
  const { PrismaPGlite } = await import('pglite-prisma-adapter')
  const main = await PGlite.create()
  const shadows: PGlite[] = []
  const factory = scriptSafeFactory(
    new PrismaPGlite(main),
    (script) => main.exec(script),
    async () => {
      const shadow = await PGlite.create()
      shadows.push(shadow)
      return { adapter: await new PrismaPGlite(shadow).connect(), run: (script) => shadow.exec(script) }
    },
  )
  try {
    const engine = await createSchemaEngine(schema, factory)
    try {
      const result = await engine.diff({
        from: { tag: 'migrations', ...migrationsList },
        to: { tag: 'schemaDatamodel', files: [schema] },
        script: true,
        exitCode: true,
        filters: NO_FILTERS,
      })
      // Exit code 2 means "there is a difference", as with `prisma migrate diff --exit-code`.
      return result.exitCode === 0 ? '' : (result.stdout ?? '').trim()
    } finally {
      engine.free()
    }
  } finally {
    await Promise.all([main, ...shadows].map((p) => p.close()))
  }
}
