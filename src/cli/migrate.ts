/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database)
 * with Prisma's WebAssembly schema engine, recording them in `_prisma_migrations` like
 * `prisma migrate deploy`. Needs no engine download.
 */
import { ConfigError, loadConfig } from '../config.js'
import { openDatabase } from '../db/database.js'
import { applyMigrations } from '../db/migrate.js'

try {
  const db = await openDatabase(loadConfig())
  try {
    const { applied } = await db.withMigrationLock(() => applyMigrations(db))
    console.log(applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Database is up to date: no pending migrations.')
  } finally {
    await db.close()
  }
} catch (error) {
  console.error(`db:migrate: ${error instanceof ConfigError ? error.message : (error as Error).message}`)
  process.exitCode = 1
}
