import t from 'tap'
import { configWith } from '../../src/config.js'
import { openDatabase, type Database } from '../../src/db/database.js'
import { sql } from '../../src/db/sql.js'
import { freshDatabase, onPostgres } from '../support/app.js'

/**
 * `Database.follow` and its `sync()`, on which the read cache's promise rests (no stale read
 * after an acknowledged write, from any process): once `sync()` resolves, every notification
 * committed before it was called has been handed to `message`. A commit on another connection
 * is followed at once by `sync()`, many times over; without waiting for it, the notification
 * has often not arrived yet (the window the read cache closes), after it, always.
 */
async function open(t: Parameters<typeof freshDatabase>[0]): Promise<Database> {
  const db = await openDatabase(configWith({ ...(await freshDatabase(t)), DB_POOL_SIZE: 4 }))
  t.teardown(() => db.close())
  return db
}

t.test('sync() hands over every notification committed before it was called', async (t) => {
  const db = await open(t)
  const received = new Set<string>()
  let ups = 0
  const following = await db.follow('follow_test', {
    message: (payload) => received.add(payload),
    up: () => ups++,
    down: () => {},
  })
  t.teardown(() => following.stop())
  t.equal(ups, 1, 'up once it listens')

  const rounds = 200
  let notYet = 0
  let missed = 0
  for (let i = 0; i < rounds; i++) {
    const payload = `change ${i}`
    // A write's transaction: its NOTIFY is delivered at its commit, on the pool's connection.
    await db.transaction(() => db.query(sql`SELECT pg_notify('follow_test', ${payload})`))
    if (!received.has(payload)) notYet++
    await following.sync()
    if (!received.has(payload)) missed++
  }
  t.equal(missed, 0, `after sync(), every committed notification had arrived (${rounds} commits)`)
  if (onPostgres) t.comment(`${notYet} of ${rounds} had not arrived when the commit resolved, before sync()`)
  else t.equal(notYet, 0, 'PGlite hands them over inside the commit')

  // Concurrent callers share round trips, and each still gets its guarantee.
  const burst = Array.from({ length: 50 }, async (_, i) => {
    const payload = `burst ${i}`
    await db.query(sql`SELECT pg_notify('follow_test', ${payload})`)
    await following.sync()
    return received.has(payload)
  })
  t.same(new Set(await Promise.all(burst)), new Set([true]), 'fifty concurrent commit-then-sync, all seen')
})

t.test(
  'sync() rejects while the connection is lost, and up() follows when it is back',
  { skip: !onPostgres },
  async (t) => {
    const db = await open(t)
    const events: string[] = []
    const following = await db.follow('follow_test', {
      message: () => {},
      up: () => events.push('up'),
      down: () => events.push('down'),
    })
    t.teardown(() => following.stop())
    const database = new URL(db.location).pathname.slice(1)
    await db.query(
      sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${database} AND application_name = 'broadsheet listen follow_test'`,
    )
    const deadline = Date.now() + 5000
    while (!events.includes('down') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    t.same(events, ['up', 'down'])
    await t.rejects(following.sync(), /not listening/)
    while (events.length < 3 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 50))
    t.same(events, ['up', 'down', 'up'], 'back')
    await t.resolves(following.sync())
  },
)
