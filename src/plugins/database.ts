import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { openDatabase, type Database } from '../db/database.js'
import { applyMigrations } from '../db/migrate.js'
import { seedSampleContent } from '../db/seed.js'

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
  }
}

export interface DatabasePluginOptions {
  config: Config
}

/**
 * Owns the database for the app's lifetime: opens it (Postgres or embedded PGlite), applies
 * pending migrations under the migration lock, seeds sample content into a brand-new
 * database, and closes it when the app closes.
 */
export default fp<DatabasePluginOptions>(
  async (app, { config }) => {
    const db = await openDatabase(config, {
      onPoolError: (error) => app.log.warn({ err: error }, 'idle database connection failed'),
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
