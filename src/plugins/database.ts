import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { isNewDataDir, openDatabase, type Database, type DatabaseOptions } from '../db/database.js'
import { isDatabaseUnavailable } from '../db/errors.js'
import { migrateOnStart, migrateOnStartInChild, type StartupResult } from '../db/migrate.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
  }
}

export interface DatabasePluginOptions {
  config: Config
  onQuery?: (sql: string) => void
}

/**
 * Owns the database for the app's lifetime: opens it (Postgres or embedded PGlite), applies
 * pending migrations under the migration lock, seeds sample content into a brand-new
 * database, and closes it when the app closes. A brand-new embedded database on disk is
 * created, migrated and seeded in a child process before the server opens it (see
 * `migrateOnStartInChild`), which keeps that work's memory out of the server.
 */
export default fp<DatabasePluginOptions>(
  async (app, { config, onQuery }) => {
    const engineLog = (line: string) => app.log.trace({ engine: line }, 'schema engine')
    const startOptions = { seed: config.SEED_ON_EMPTY, log: engineLog }
    const firstStart =
      config.MIGRATE_ON_START && !config.DATABASE_URL && (await isNewDataDir(config.DATA_DIR))
        ? await migrateOnStartInChild(config.DATA_DIR, startOptions)
        : undefined
    const db = await openWithRetry(config, {
      onPoolError: (error) => app.log.warn({ err: error }, 'idle database connection failed'),
      ...(onQuery ? { onQuery } : {}),
      onRetry: (error, delay) =>
        app.log.warn(
          { code: (error as { code?: string }).code, retryInMs: delay },
          `database not reachable (${describe(error)}); retrying in ${Math.round(delay / 100) / 10}s`,
        ),
    })
    try {
      const started: StartupResult | undefined =
        firstStart ?? (config.MIGRATE_ON_START ? await migrateOnStart(db, startOptions) : undefined)
      if (started?.applied.length) app.log.info({ migrations: started.applied }, 'applied migrations')
      if (started?.seeded) app.log.info({ seeded: started.seeded }, 'new database: seeded sample content')
      if (started?.rendered) app.log.info({ rendered: started.rendered }, 'rendered stored bodies again (new renderer)')
    } catch (error) {
      await db.close()
      throw error
    }
    app.decorate('db', db)
    app.addHook('onClose', async () => {
      await db.close()
    })
  },
  { name: 'database' },
)

/**
 * Opens the database, retrying with exponential backoff (0.25 s doubling to 5 s) while it is
 * unreachable, for at most DB_STARTUP_TIMEOUT_MS: in Compose or Kubernetes the app may start
 * before Postgres accepts connections. Errors that waiting cannot fix (bad credentials, no
 * such database) fail at once.
 */
async function openWithRetry(
  config: Config,
  options: DatabaseOptions & { onRetry: (error: unknown, delayMs: number) => void },
): Promise<Database> {
  const deadline = Date.now() + config.DB_STARTUP_TIMEOUT_MS
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await openDatabase(config, options)
    } catch (error) {
      const wait = Math.min(delay, deadline - Date.now())
      if (!config.DATABASE_URL || !isDatabaseUnavailable(error) || wait <= 0) throw error
      options.onRetry(error, wait)
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string }
  return e.code ?? e.message ?? String(error)
}
