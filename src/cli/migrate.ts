/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database)
 * with Prisma's WebAssembly schema engine, recording them in `_prisma_migrations` like
 * `prisma migrate deploy`. Needs no engine download.
 */
import { ConfigError, loadConfig } from '../config.js'
import { EmbeddedDatabaseInUse, openDatabase } from '../db/database.js'
import { applyMigrations } from '../db/migrate.js'
import { renderIfRendererChanged } from '../db/rendering.js'

try {
  const db = await openDatabase(loadConfig())
  try {
    const { applied, rendered } = await db.withMigrationLock(async () => ({
      ...(await applyMigrations(db)),
      rendered: await renderIfRendererChanged(db.query),
    }))
    console.log(
      applied.length > 0 ? `Applied: ${applied.join(', ')}` : 'Database is up to date: no pending migrations.',
    )
    if (rendered)
      console.log(`Rendered stored bodies again: ${rendered.articles} articles, ${rendered.comments} comments.`)
  } finally {
    await db.close()
  }
} catch (error) {
  console.error(`db:migrate: ${message(error)}`)
  process.exitCode = 1
}

function message(error: unknown): string {
  if (error instanceof ConfigError) return error.message
  if (error instanceof EmbeddedDatabaseInUse) {
    return (
      `the embedded database in ${error.dir} is in use by process ${error.owner} (a running server?), ` +
      'and only one process can open it: stop the server and run this again, or restart the server instead, ' +
      'which applies pending migrations when it starts (MIGRATE_ON_START).'
    )
  }
  return (error as Error).message
}
