import t from 'tap'
import { configWith } from '../../src/config.js'
import { openDatabase } from '../../src/db/database.js'
import { applyMigrations } from '../../src/db/migrate.js'
import { raw } from '../../src/db/sql.js'
import { freshDatabase } from '../support/app.js'
import {
  NOT_STATEMENTS,
  TABLE,
  firstDifference,
  normalise,
  readSnapshots,
  renderEntries,
  renderSnapshots,
} from '../../scripts/sync-sql.js'

// The committed SQL snapshots (src/db/queries/snapshots/*.sql) must be exactly what the
// statement functions send today: a change to a statement, or to a fragment it is built from,
// shows up in the diff of its snapshot, or this fails.
t.test('src/db/queries/snapshots holds the SQL every statement function sends', async (t) => {
  const generated = await renderSnapshots()
  const committed = await readSnapshots()
  const difference = firstDifference(generated, committed)
  t.equal(difference, undefined, difference ?? 'every snapshot is up to date')
  t.same([...committed.keys()].sort(), [...generated.keys()].sort(), 'one snapshot file per statement module')
})

// Every statement in the snapshots is SQL Postgres accepts against the migrated schema, as the
// file shows it (parameter comments included): each is prepared (parsed, resolved, typed), not run.
t.test('every snapshot statement prepares on a migrated database', async (t) => {
  const db = await openDatabase(configWith(await freshDatabase(t)))
  t.teardown(() => db.close())
  await db.withMigrationLock(() => applyMigrations(db))
  const refused: string[] = []
  for (const [module, entries] of await renderEntries()) {
    for (const entry of entries) {
      try {
        await db.transaction(async () => {
          await db.query(raw(`PREPARE "snapshot" AS ${entry.text}`))
          await db.query(raw('DEALLOCATE "snapshot"'))
        })
      } catch (error) {
        refused.push(`${entry.title} (${module}.sql): ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }
  t.same(refused, [], 'Postgres prepares every statement')
  await t.rejects(
    db.query(raw('PREPARE "broken" AS SELECT a."nope" FROM "articles" a')),
    /nope/,
    'and refuses a wrong one',
  )
})

t.test('rendering is deterministic', async (t) => {
  t.same(await renderSnapshots(), await renderSnapshots())
})

t.test('a statement that changes without its snapshot is named', async (t) => {
  const committed = await readSnapshots()
  // The same function given an id where its example gives a slug builds other SQL
  // (`a."id" = CAST($1 AS uuid)`): what a change to its source would do.
  const example = TABLE.articles!.examples.findArticle![0]!
  const args = example.args
  t.teardown(() => {
    example.args = args
  })
  t.match(args[1], /^[a-z-]+$/, 'the example reads by slug')
  example.args = [args[0], '0b7e2c1a-0000-4000-8000-000000000009', ...args.slice(2)]
  const difference = firstDifference(await renderSnapshots(), committed)
  t.match(difference, /articles\.sql: articles\.findArticle \(anonymous, by slug\) differs: run `npm run sql:sync`/)
})

t.test('missing and stale snapshot files are named', async (t) => {
  const generated = await renderSnapshots()
  const withoutTags = new Map([...generated].filter(([file]) => file !== 'tags.sql'))
  t.match(firstDifference(generated, withoutTags), /snapshots\/tags\.sql is missing: run `npm run sql:sync`/)
  const stale = new Map([...generated, ['gone.sql', '-- nothing\n']])
  t.match(firstDifference(generated, stale), /snapshots\/gone\.sql belongs to no statement module/)
})

t.test('the example table is strict', async (t) => {
  const examples = TABLE.tokens!.examples
  const touchToken = examples.touchToken!
  t.teardown(() => {
    examples.touchToken = touchToken
    delete examples.noSuchStatement
    delete NOT_STATEMENTS.tokens
  })

  delete examples.touchToken
  await t.rejects(renderEntries(), /tokens\.touchToken has no example in scripts\/sync-sql\.ts/)
  examples.touchToken = touchToken

  examples.noSuchStatement = [{ name: 'gone', args: [] }]
  await t.rejects(renderEntries(), /the examples name tokens\.noSuchStatement, which is not an exported async function/)
  delete examples.noSuchStatement

  NOT_STATEMENTS.tokens = ['noSuchHelper']
  await t.rejects(renderEntries(), /NOT_STATEMENTS lists tokens\.noSuchHelper, which is not an exported function/)
})

t.test('normalising touches only blanks between tokens', async (t) => {
  t.equal(
    normalise(`
      SELECT a."id" ,  'two  spaces' AS "a  b"
      FROM ( SELECT 1 ) x -- why:  kept as written
        WHERE TRUE
    `),
    `SELECT a."id", 'two  spaces' AS "a  b"\nFROM (SELECT 1) x -- why:  kept as written\nWHERE TRUE`,
  )
  t.equal(normalise('WITH "c" AS (\nSELECT 1\n)\nSELECT * FROM "c"'), 'WITH "c" AS (\n  SELECT 1\n)\nSELECT * FROM "c"')
})
