/**
 * Benchmark databases on a Postgres server: created if missing, migrated, filled with the
 * generated bulk content (`seedLarge`), their stored bodies rendered by the current renderer (as
 * a server's start would, but here, before any server is timed) and vacuumed, so index-only
 * scans and planner statistics are what a settled production database would have. A database that already
 * holds the requested content is reused as it is (a later run only tidies the rows the
 * previous run's writes left).
 */
import pg from 'pg'
import { hashSecret, newTokenSecret } from '../src/auth.js'
import { configWith } from '../src/config.js'
import { openDatabase } from '../src/db/database.js'
import { applyMigrations } from '../src/db/migrate.js'
import { renderIfRendererChanged } from '../src/db/rendering.js'
import { seedLarge, type LargeSeedSize } from '../src/db/seed.js'

export const BENCH_COMMENT_EMAIL = 'bench-writer@example.org'

export interface BenchDatabase {
  url: string
  size: LargeSeedSize
  /** An editor token's secret, for the PATCH endpoint. */
  editorToken: string
  seededMs: number
}

export async function prepareDatabase(serverUrl: string, name: string, size: LargeSeedSize): Promise<BenchDatabase> {
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`)
  } finally {
    await admin.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  // Bulk inserts of 100k rows run longer than the app's default statement timeout.
  const db = await openDatabase(configWith({ DATABASE_URL: url.toString(), DB_STATEMENT_TIMEOUT_MS: 600_000 }))
  const started = Date.now()
  let seededMs = 0
  try {
    await applyMigrations(db)
    const [{ n }] = await db.prisma.$queryRaw<[{ n: number }]>`
      SELECT count(*)::int AS n FROM "articles" WHERE "slug" LIKE 'bench-article-%'`
    if (n !== size.articles) {
      if (n > size.articles)
        throw new Error(`${name} holds ${n} bench articles, more than the ${size.articles} asked for; drop it`)
      await seedLarge(db.prisma, size)
      seededMs = Date.now() - started
    }
    // A database seeded before the rendered columns (or by an older renderer) is rendered now:
    // the servers would do it at start-up, for minutes on the 100k database, and the rewrite
    // of every row is left for the VACUUM below rather than for the measurements.
    await renderIfRendererChanged(db.query)
    // What earlier runs wrote: their comments, and the editor token.
    await db.prisma.comment.deleteMany({ where: { authorEmail: BENCH_COMMENT_EMAIL } })
    await db.prisma.apiToken.deleteMany({ where: { name: 'bench editor' } })
    const editorToken = newTokenSecret()
    await db.prisma.apiToken.create({
      data: {
        name: 'bench editor',
        role: 'editor',
        secretHash: hashSecret(editorToken),
        prefix: editorToken.slice(0, 7),
      },
    })
    await db.prisma.$executeRawUnsafe('VACUUM ANALYZE')
    return { url: url.toString(), size, editorToken, seededMs }
  } finally {
    await db.close()
  }
}
