/**
 * `npx prisma db seed` and `npm run seed`: applies pending migrations, then inserts the sample
 * newsroom. Idempotent: rows that exist are left alone. `--large` adds the benchmark data set
 * (1k authors, 10k articles, 100k comments). Uses DATABASE_URL or the embedded database.
 */
import { ConfigError, loadConfig } from '../src/config.js'
import { EmbeddedDatabaseInUse, openDatabase, type Database } from '../src/db/database.js'
import { applyMigrations } from '../src/db/migrate.js'
import { seedLarge, seedSampleContent } from '../src/db/seed.js'

const large = process.argv.includes('--large')
const db = await open()
if (db) await seed(db)

/**
 * The database, or undefined after one sentence on stderr (exit code 1, no stack trace) when
 * the settings are wrong or a running server holds the embedded database.
 */
async function open(): Promise<Database | undefined> {
  try {
    return await openDatabase(loadConfig())
  } catch (error) {
    if (error instanceof ConfigError) console.error(`seed: ${error.message}`)
    else if (error instanceof EmbeddedDatabaseInUse) {
      console.error(
        `seed: the embedded database in ${error.dir} is in use by process ${error.owner} (a running server?), ` +
          'and only one process can open it: stop the server and run the seed again, ' +
          'or set DATABASE_URL to seed a Postgres database instead.',
      )
    } else throw error
    process.exitCode = 1
    return undefined
  }
}

async function seed(db: Database): Promise<void> {
  try {
    const started = Date.now()
    const counts = await db.withMigrationLock(async () => {
      const { applied } = await applyMigrations(db)
      if (applied.length > 0) console.log(`Applied migrations: ${applied.join(', ')}`)
      const sample = await seedSampleContent(db.prisma)
      return large ? { sample, large: await seedLarge(db.prisma) } : { sample }
    })
    const where = db.kind === 'embedded' ? `embedded database in ${db.location}` : db.location
    const inserted = (c: { authors: number; articles: number; comments: number }) =>
      `${c.authors} authors, ${c.articles} articles, ${c.comments} comments`
    console.log(`Seeded ${where}: inserted ${inserted(counts.sample)} (existing rows left unchanged).`)
    if (counts.large) console.log(`Benchmark data: inserted ${inserted(counts.large)} in ${Date.now() - started} ms.`)
  } finally {
    await db.close()
  }
}
