/**
 * `npx prisma db seed` and `npm run seed`: applies pending migrations, then inserts the sample
 * newsroom. Idempotent: rows that exist are left alone. `--large` adds the benchmark data set
 * (1k authors, 10k articles, 100k comments). Uses DATABASE_URL or the embedded database.
 */
import { loadConfig } from '../src/config.js'
import { openDatabase } from '../src/db/database.js'
import { applyMigrations } from '../src/db/migrate.js'
import { seedLarge, seedSampleContent } from '../src/db/seed.js'

const large = process.argv.includes('--large')
const config = loadConfig()
const db = await openDatabase(config)
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
