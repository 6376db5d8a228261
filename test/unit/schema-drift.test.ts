import { cp, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { MIGRATIONS_DIR, SCHEMA_PATH, diffMigrationsToSchema } from '../../src/db/migrate.js'
import { tempDir } from '../support/process.js'

// `prisma migrate diff --from-migrations --to-schema --exit-code`, run with Prisma's own
// (WebAssembly) schema engine: the committed migrations must build exactly what
// schema.prisma describes, or this fails and prints the SQL that is missing.
t.test('prisma/migrations and prisma/schema.prisma agree', async (t) => {
  const diff = await diffMigrationsToSchema()
  t.equal(diff, '', diff ? `migrations are behind schema.prisma; add a migration with:\n${diff}` : 'in sync')
})

t.test('the check fails when the schema changes without a migration', async (t) => {
  const dir = await tempDir(t, 'broadsheet-drift-')
  const schema = (await readFile(SCHEMA_PATH, 'utf8')).replace(
    '  website   String?\n',
    '  website   String?\n  twitter   String?\n',
  )
  t.match(schema, /twitter/, 'the test edit applied')
  await writeFile(path.join(dir, 'schema.prisma'), schema)
  await cp(MIGRATIONS_DIR, path.join(dir, 'migrations'), { recursive: true })
  const diff = await diffMigrationsToSchema({
    schema: path.join(dir, 'schema.prisma'),
    migrations: path.join(dir, 'migrations'),
  })
  t.match(diff, /ALTER TABLE "authors" ADD COLUMN\s+"twitter" TEXT/)
})
