import t from 'tap'
import { configWith } from '../../src/config.js'
import { openDatabase, type Database } from '../../src/db/database.js'
import { sql } from '../../src/db/sql.js'
import { freshDatabase } from '../support/app.js'
import { requires } from '../support/requires.js'

/**
 * `Database.transaction` finds the transaction a statement belongs to through the async calls
 * made inside it (an AsyncLocalStorage that is enabled only while a transaction is open, see
 * src/db/core.ts). These tests hold what that must keep true: every statement of `fn` is in
 * its transaction, however deep, and only those; one transaction ending (and with it, perhaps,
 * the storage) takes nothing out of another one still open.
 */

async function open(t: Parameters<typeof freshDatabase>[0]): Promise<Database> {
  const db = await openDatabase(configWith({ ...(await freshDatabase(t)), DB_POOL_SIZE: 4 }))
  t.teardown(() => db.close())
  await db.query(sql`CREATE TABLE "notes" ("tx" text NOT NULL, "n" int NOT NULL)`)
  return db
}

const txid = async (db: Database) =>
  (await db.query<{ id: string }>(sql`SELECT CAST(txid_current() AS text) AS "id"`))[0]!.id
const note = (db: Database, tx: string, n: number) =>
  db.query(sql`INSERT INTO "notes" ("tx", "n") VALUES (${tx}, ${n})`)
const notes = async (db: Database, tx: string) =>
  (await db.query<{ n: number }>(sql`SELECT "n" FROM "notes" WHERE "tx" = ${tx} ORDER BY "n"`)).map((r) => r.n)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** A few turns of the event loop and a timer: an await chain that crosses tasks, not only microtasks. */
const deep = async <T>(fn: () => Promise<T>): Promise<T> => {
  await sleep(1)
  await Promise.resolve()
  return (async () => fn())()
}

t.test('every statement of fn, however deep, is in one transaction; a throw undoes them all', async (t) => {
  const db = await open(t)
  const ids = await db.transaction(async () => {
    t.equal(db.inTransaction(), true)
    const first = await txid(db)
    await note(db, 'a', 1)
    const second = await deep(() => txid(db))
    await deep(() => deep(() => note(db, 'a', 2)))
    // A nested call joins the open transaction.
    const nested = await db.transaction(() => txid(db))
    return [first, second, nested]
  })
  t.equal(new Set(ids).size, 1, 'one transaction id for every statement')
  t.same(await notes(db, 'a'), [1, 2], 'committed')
  t.equal(db.inTransaction(), false, 'outside again')

  await t.rejects(
    db.transaction(async () => {
      await note(db, 'b', 1)
      await deep(() => note(db, 'b', 2))
      throw new Error('changed my mind')
    }),
    /changed my mind/,
  )
  t.same(await notes(db, 'b'), [], 'rolled back: nothing half-written')

  // Outside a transaction every statement commits on its own.
  t.not(await txid(db), await txid(db), 'two statements outside, two transactions')
})

t.test('detached work and savepoints', async (t) => {
  const db = await open(t)
  // Work a transaction starts but does not wait for (a timer, a wake-up) runs outside it and
  // commits on its own, even when the transaction rolls back. (Not awaited inside: on PGlite's
  // one connection it runs after the transaction.)
  let later: Promise<unknown> | undefined
  await t.rejects(
    db.transaction(async () => {
      await note(db, 'rolled back', 1)
      later = db.detached(async () => {
        t.equal(db.inTransaction(), false, 'detached is outside the transaction')
        await sleep(1)
        await note(db, 'detached', 1)
      })
      throw new Error('roll back')
    }),
    /roll back/,
  )
  await later
  t.same(await notes(db, 'detached'), [1], 'the detached work committed')
  t.same(await notes(db, 'rolled back'), [], 'the transaction did not')

  await db.transaction(async () => {
    await note(db, 'c', 1)
    await t.rejects(
      db.savepoint(async () => {
        await note(db, 'c', 2)
        throw new Error('this item fails')
      }),
      /this item fails/,
    )
    await db.savepoint(() => note(db, 'c', 3))
    t.equal(db.inTransaction(), true, 'still in the transaction after the savepoints')
  })
  t.same(await notes(db, 'c'), [1, 3], 'the failed savepoint undone, the rest committed')
})

t.test(
  'a transaction ending leaves another one that is still open intact',
  { skip: requires('postgres', 'PGlite has one connection: its transactions run one after another') },
  async (t) => {
    const db = await open(t)
    let endFirst!: () => void
    const firstMayEnd = new Promise<void>((resolve) => (endFirst = resolve))
    let firstEnded!: () => void
    const firstHasEnded = new Promise<void>((resolve) => (firstEnded = resolve))

    const first = db.transaction(async () => {
      await note(db, 'first', 1)
      await firstMayEnd
      return txid(db)
    })
    void first.then(() => firstEnded())
    const second = db.transaction(async () => {
      const before = await txid(db)
      await note(db, 'second', 1)
      endFirst()
      await firstHasEnded
      // The first transaction is over; this one is not, and its statements stay in it.
      await sleep(5)
      t.equal(db.inTransaction(), true, 'still in the second transaction')
      const after = await deep(() => txid(db))
      await deep(() => note(db, 'second', 2))
      t.same(await notes(db, 'second'), [1, 2], 'sees its own uncommitted rows')
      t.equal(after, before, 'the same transaction before and after the other one ended')
      throw new Error('roll the second one back')
    })
    await t.rejects(second, /roll the second one back/)
    t.match(await first, /^\d+$/)
    t.same(await notes(db, 'first'), [1], 'the first committed')
    t.same(
      await notes(db, 'second'),
      [],
      'every statement of the second rolled back with it, including those after the first ended',
    )

    // Many at once, ending in every order: each keeps its own statements.
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        db.transaction(async () => {
          const id = await txid(db)
          await sleep((i * 7) % 5)
          await note(db, `many-${i}`, 1)
          await deep(() => sleep((i * 3) % 4))
          return { id, again: await txid(db) }
        }),
      ),
    )
    for (const [i, r] of results.entries()) t.equal(r.again, r.id, `transaction ${i} kept its statements`)
    t.equal(new Set(results.map((r) => r.id)).size, 8, 'eight transactions')
  },
)
