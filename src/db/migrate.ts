import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PGlite } from '@electric-sql/pglite'
import { Prisma } from '../generated/prisma/client.js'
import type { Database } from './database.js'
import {
  NO_FILTERS,
  createSchemaEngine,
  readMigrations,
  readSchema,
  scriptSafeFactory,
  type EngineLog,
} from './schema-engine.js'
import { renderIfRendererChanged } from './rendering.js'
import { seedSampleContent, type SeedCounts } from './seed.js'

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
  if (
    await allApplied(
      db,
      migrationsList.migrationDirectories.map((m) => m.path),
    )
  )
    return { applied: [], createdSchema: false }
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

export interface StartupResult {
  /** Migrations this start applied, oldest first. */
  applied: string[]
  /** Set when this start created the schema of a brand-new database and seeded it: the rows inserted. */
  seeded?: SeedCounts
  /** Set when stored bodies were rendered again (an older renderer made them): how many. */
  rendered?: { articles: number; comments: number }
}

/**
 * What start-up does to the database before it serves: pending migrations under the migration
 * lock, then, when that created the schema and `seed` is on, the sample content, then the bodies
 * an older renderer made are rendered again (db/rendering.ts; one statement when there are none).
 */
export async function migrateOnStart(
  db: Database,
  options: { seed: boolean; log?: EngineLog },
): Promise<StartupResult> {
  return db.withMigrationLock(async () => {
    const { applied, createdSchema } = await applyMigrations(db, {}, options.log)
    const seeded = createdSchema && options.seed ? await seedSampleContent(db.prisma) : undefined
    const rendered = await renderIfRendererChanged(db.query)
    return {
      applied,
      ...(seeded ? { seeded } : {}),
      ...(rendered && rendered.articles + rendered.comments > 0 ? { rendered } : {}),
    }
  })
}

/** What src/db/first-start.ts sends its parent. */
export type FirstStartMessage =
  { log: string } | { result: StartupResult } | { error: { message: string; code?: string } }

/**
 * `migrateOnStart` on the embedded database in `dataDir`, in a short-lived child process
 * (src/db/first-start.ts) that has closed the database and exited when this resolves. The
 * first start of an embedded database is the expensive one: PGlite's initdb runs in a second
 * PGlite instance that stays referenced after it is closed, then Prisma's schema engine and
 * Prisma Client load. In the server process that meant an 870 MB peak and 520 MB idle
 * afterwards (340 MB after a restart); an exited process returns all of it. The server then
 * opens the database as on any later start.
 */
export async function migrateOnStartInChild(
  dataDir: string,
  options: { seed: boolean; log?: EngineLog },
): Promise<StartupResult> {
  // The same kind of file as this one: first-start.ts under tsx (tests, npm run dev), .js in dist.
  const entry = fileURLToPath(new URL(`./first-start${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url))
  const child = spawn(
    process.execPath,
    [...loaderArgs(process.execArgv), entry, path.resolve(dataDir), options.seed ? 'seed' : 'no-seed'],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    },
  )
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)))
  let outcome: FirstStartMessage | undefined
  child.on('message', (message: FirstStartMessage) => {
    if ('log' in message) options.log?.(message.log)
    else outcome = message
  })
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]))
  })
  if (outcome && 'result' in outcome && code === 0) return outcome.result
  if (outcome && 'error' in outcome) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code })
  throw new Error(
    `the first start of the embedded database (${entry}) exited with ${signal ?? `code ${code}`}: ${stderr.trim() || 'no output'}`,
  )
}

/**
 * The parent's Node options (tsx's `--import`, heap limits) without those that would make the
 * child run something other than its entry: `-e`/`-p` code, `--test`, `--watch`.
 */
function loaderArgs(execArgv: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!
    if (/^(-e|--eval|-p|--print)$/.test(arg)) i++
    else if (!/^(--(eval|print|input-type|test|watch|watch-path)(=|$)|-[epi]$|--interactive$)/.test(arg)) out.push(arg)
  }
  return out
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
export async function diffMigrationsToSchema(paths: { schema?: string; migrations?: string } = {}): Promise<string> {
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
