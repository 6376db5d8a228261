import pg from 'pg'
import type { Test } from 'tap'
import t from 'tap'
import type { Principal } from '../../src/auth.js'
import { findArticle, lockArticles } from '../../src/db/queries/articles.js'
import { lockComment, lockComments } from '../../src/db/queries/comments.js'
import { sql, type Query } from '../../src/db/sql.js'
import { buildTestApp, TEST_DATABASE_URL } from '../support/app.js'
import { requires } from '../support/requires.js'
import { createArticle, createComment } from '../support/factories.js'

/**
 * Bulk requests that run in one transaction take their row locks up front, in id order, so
 * they cannot deadlock with each other or with a single write. This drives two transactions
 * step by step on two real connections, with the data layer's own lock statements, and
 * Postgres's deadlock detector set to 100 ms: a control shows that locking item by item in
 * opposite orders does deadlock (so the test can see one), then the statements the code uses
 * must only wait.
 */

const admin: Principal = {
  kind: 'token',
  tokenId: '00000000-0000-4000-8000-000000000001',
  name: 'test',
  role: 'admin',
  authorId: null,
}

/** A connection with a transaction open, its statements sent through the data layer's `Query`. */
async function session(t: Test, url: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  await client.query(`SET deadlock_timeout = '100ms'`)
  await client.query('BEGIN')
  const query: Query = async <Row>(statement: { text: string; values: unknown[] }) =>
    (await client.query(statement.text, statement.values)).rows as Row[]
  const pid = Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid)
  return { query, pid, commit: () => client.query('COMMIT'), rollback: () => client.query('ROLLBACK') }
}

type Session = Awaited<ReturnType<typeof session>>
type Outcome = { done: true } | { error: string }
const settle = (work: Promise<unknown>): Promise<Outcome> =>
  work.then(
    () => ({ done: true }) as const,
    (error: { code?: string }) => ({ error: error.code ?? String(error) }),
  )

/** Whether `s` is waiting for a lock right now (pg_stat_activity, seen from a third connection). */
async function waitsForLock(url: string, s: Session): Promise<boolean> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const rows = (
      await client.query<{ wait: string | null }>(
        'SELECT wait_event_type AS wait FROM pg_stat_activity WHERE pid = $1',
        [s.pid],
      )
    ).rows
    return rows[0]?.wait === 'Lock'
  } finally {
    await client.end()
  }
}

/** Waits until `s` blocks on a lock (or `ms` pass). */
async function blocked(url: string, s: Session, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await waitsForLock(url, s)) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return false
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test(
  'bulk vs single writes, step by step on two connections',
  { skip: requires('postgres', 'two real connections') },
  async (t) => {
    const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
    // Two published articles, each with a comment.
    const [tram, harbour] = [
      await createArticle(app, { state: 'published' }),
      await createArticle(app, { state: 'published' }),
    ]
    for (const article of [tram, harbour]) await createComment(app, article, { status: 'approved' })
    const [{ name }] = (await app.db.query<{ name: string }>(sql`SELECT current_database() AS name`)) as [
      { name: string },
    ]
    const url = new URL(TEST_DATABASE_URL!)
    url.pathname = `/${name}`
    const dsn = url.toString()
    const [a, b] = [tram.id, harbour.id].sort()

    t.test('control: two transactions locking item by item in opposite orders deadlock', async (t) => {
      const one = await session(t, dsn)
      const two = await session(t, dsn)
      await findArticle(one.query, admin, a!, { shelf: 'any', lock: true })
      await findArticle(two.query, admin, b!, { shelf: 'any', lock: true })
      const first = settle(findArticle(one.query, admin, b!, { shelf: 'any', lock: true }))
      t.ok(await blocked(dsn, one), 'the first waits for the second')
      const second = settle(findArticle(two.query, admin, a!, { shelf: 'any', lock: true }))
      const outcomes = await Promise.all([first, second])
      t.same(
        outcomes.filter((o) => 'error' in o),
        [{ error: '40P01' }],
        `Postgres broke the cycle: one deadlock_detected (${JSON.stringify(outcomes)})`,
      )
      await one.rollback()
      await two.rollback()
    })

    t.test('two bulk requests naming the same articles in opposite orders: the second waits, then runs', async (t) => {
      const one = await session(t, dsn)
      const two = await session(t, dsn)
      await lockArticles(one.query, [b!, a!])
      const second = settle(lockArticles(two.query, [tram.slug, harbour.id].reverse()))
      t.ok(await blocked(dsn, two), 'the second bulk waits for the first')
      await pause(400) // four times deadlock_timeout: a cycle would have been broken by now
      t.ok(await waitsForLock(dsn, two), 'still waiting, no deadlock')
      await one.commit()
      t.same(await second, { done: true }, 'the second bulk takes its locks once the first commits')
      await two.commit()
    })

    t.test(
      'a single write holding one article, and a bulk naming it after another: the bulk waits, no cycle',
      async (t) => {
        const single = await session(t, dsn)
        const bulk = await session(t, dsn)
        // The single write locks b (the later id); the bulk, in id order, takes a and then waits for b.
        await findArticle(single.query, admin, b!, { shelf: 'any', lock: true })
        const taken = settle(lockArticles(bulk.query, [b!, a!]))
        t.ok(await blocked(dsn, bulk), 'the bulk waits for the single write')
        // A single write touches one article: its next statement (the update) is on the row it holds.
        await single.query(sql`UPDATE "articles" SET "title" = "title" WHERE "id" = CAST(${b!} AS uuid)`)
        await pause(400)
        t.ok(await waitsForLock(dsn, bulk), 'still waiting, no deadlock')
        await single.commit()
        t.same(await taken, { done: true })
        await bulk.commit()
      },
    )

    t.test('a single moderation and a bulk moderation lock article, then comment, in one order', async (t) => {
      const comments = await app.db.query<{ id: string; articleId: string }>(sql`
      SELECT "id", "article_id" AS "articleId" FROM "comments" WHERE "article_id" = ANY (CAST(${[a!, b!]} AS uuid[])) ORDER BY "id"`)
      const onA = comments.find((c) => c.articleId === a)
      const onB = comments.find((c) => c.articleId === b)
      t.ok(onA && onB, 'a comment on each article')
      const single = await session(t, dsn)
      const bulk = await session(t, dsn)
      // The single moderation holds b's comment (article b, then the comment).
      t.ok(await lockComment(single.query, onB!.id), 'the single moderation holds its comment')
      // The bulk names both comments, b's first: it locks articles a then b (waits at b).
      const taken = settle(lockComments(bulk.query, [onB!.id, onA!.id]))
      t.ok(await blocked(dsn, bulk), 'the bulk waits for the single moderation')
      // The single moderation then writes its comment and its article's count, rows it holds.
      await single.query(sql`UPDATE "comments" SET "version" = "version" WHERE "id" = CAST(${onB!.id} AS uuid)`)
      await single.query(sql`UPDATE "articles" SET "comment_count" = "comment_count" WHERE "id" = CAST(${b!} AS uuid)`)
      await pause(400)
      t.ok(await waitsForLock(dsn, bulk), 'still waiting, no deadlock')
      await single.commit()
      t.same(await taken, { done: true })
      await bulk.commit()
    })
  },
)
