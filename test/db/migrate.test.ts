import { createHash } from 'node:crypto'
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { configWith } from '../../src/config.js'
import { openDatabase, type Database } from '../../src/db/database.js'
import { MIGRATIONS_DIR, applyMigrations } from '../../src/db/migrate.js'
import { freshDatabase } from '../support/app.js'
import { tempDir } from '../support/process.js'
import { requires } from '../support/requires.js'

async function open(t: Parameters<typeof freshDatabase>[0]): Promise<Database> {
  const db = await openDatabase(configWith({ ...(await freshDatabase(t)), DB_POOL_SIZE: 3 }))
  t.teardown(() => db.close())
  return db
}

interface MigrationRow {
  migration_name: string
  checksum: string
  finished_at: Date | null
  rolled_back_at: Date | null
  applied_steps_count: number
}

t.test('applies every migration once and records it like `prisma migrate deploy`', async (t) => {
  const db = await open(t)
  const first = await db.withMigrationLock(() => applyMigrations(db))
  t.ok(first.applied.length >= 1, 'applied the migrations')
  t.equal(first.createdSchema, true, 'knows it created the schema')

  const rows = await db.prisma.$queryRawUnsafe<MigrationRow[]>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
  )
  t.same(
    rows.map((r) => r.migration_name),
    first.applied,
  )
  for (const row of rows) {
    const sql = await readFile(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'))
    t.equal(row.checksum, createHash('sha256').update(sql).digest('hex'), `${row.migration_name}: checksum of the file`)
    t.ok(row.finished_at instanceof Date, `${row.migration_name}: finished`)
    t.equal(row.rolled_back_at, null)
    t.equal(row.applied_steps_count, 1)
  }

  const second = await db.withMigrationLock(() => applyMigrations(db))
  t.same(second, { applied: [], createdSchema: false }, 'a second run applies nothing')
  const count = await db.prisma.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM _prisma_migrations')
  t.equal(count[0]?.n, rows.length, 'and records nothing new')
})

t.test('the migration creates the full-text trigger: search_vector is maintained', async (t) => {
  const db = await open(t)
  await db.withMigrationLock(() => applyMigrations(db))
  const author = await db.prisma.author.create({ data: { slug: 'a', name: 'A' } })
  await db.prisma.article.create({
    data: {
      slug: 'x',
      title: 'Harbour ferries',
      excerpt: 'Running late',
      body: 'The council voted.',
      authorId: author.id,
    },
  })
  const [row] = await db.prisma.$queryRawUnsafe<{ v: string }[]>(`SELECT search_vector::text AS v FROM articles`)
  t.equal(row?.v, "'council':6C 'ferri':2A 'harbour':1A 'late':4B 'run':3B 'vote':7C")
})

t.test('a failing migration leaves nothing half-applied', async (t) => {
  const dir = await tempDir(t, 'broadsheet-migrations-')
  await cp(MIGRATIONS_DIR, dir, { recursive: true })
  await mkdir(path.join(dir, '99990101000000_broken'))
  await writeFile(
    path.join(dir, '99990101000000_broken', 'migration.sql'),
    // A function body with semicolons (must not be split), then a table, then an error.
    `CREATE FUNCTION half_written() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;\n` +
      `CREATE TABLE "half_written" ("id" int);\nSELECT 1/0;\n`,
  )
  const db = await open(t)
  await t.rejects(
    db.withMigrationLock(() => applyMigrations(db, { migrations: dir })),
    /division by zero/,
  )
  const [state] = await db.prisma.$queryRawUnsafe<{ t: string | null; f: number }[]>(
    `SELECT to_regclass('half_written')::text AS t, (SELECT count(*)::int FROM pg_proc WHERE proname = 'half_written') AS f`,
  )
  t.same(state, { t: null, f: 0 }, 'neither the table nor the function exists')
  const [authors] = await db.prisma.$queryRawUnsafe<{ t: string | null }[]>(`SELECT to_regclass('authors')::text AS t`)
  t.equal(authors?.t, 'authors', 'the earlier, good migration stayed applied')
})

t.test(
  'two processes migrating the same empty Postgres database at once',
  { skip: requires('postgres') },
  async (t) => {
    const config = configWith({ ...(await freshDatabase(t)), DB_POOL_SIZE: 3 })
    const [a, b] = await Promise.all([openDatabase(config), openDatabase(config)])
    t.teardown(async () => {
      await a.close()
      await b.close()
    })
    const results = await Promise.all([a, b].map((db) => db.withMigrationLock(() => applyMigrations(db))))
    const applied = results.flatMap((r) => r.applied)
    t.same(
      applied.sort(),
      results.find((r) => r.applied.length > 0)?.applied.sort(),
      'each migration applied exactly once',
    )
    t.equal(results.filter((r) => r.createdSchema).length, 1, 'exactly one of them created the schema')
    const rows = await a.prisma.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM _prisma_migrations')
    t.equal(rows[0]?.n, applied.length)
  },
)
