import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { openDatabase, type Database, type DatabaseOptions } from '../db/database.js'
import { isDatabaseUnavailable } from '../db/errors.js'
import { applyMigrations } from '../db/migrate.js'
import { seedSampleContent } from '../db/seed.js'

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
 * database, and closes it when the app closes.
 */
export default fp<DatabasePluginOptions>(
  async (app, { config, onQuery }) => {
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
      if (config.MIGRATE_ON_START) {
        await db.withMigrationLock(async () => {
          const result = await applyMigrations(db, {}, (line) => app.log.trace({ engine: line }, 'schema engine'))
          if (result.applied.length > 0) app.log.info({ migrations: result.applied }, 'applied migrations')
          if (result.createdSchema && config.SEED_ON_EMPTY) {
            const counts = await seedSampleContent(db.prisma)
            app.log.info({ seeded: counts }, 'new database: seeded sample content')
          }
        })
      }
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
