import t from 'tap'
import pg from 'pg'
import { freshDatabase } from '../support/app.js'
import { cleanEnv, startServer, until, type Running } from '../support/process.js'
import { requires } from '../support/requires.js'

/**
 * The trash empties itself: articles past TRASH_RETENTION_DAYS are destroyed by the servers
 * themselves (no cron job), exactly once, even with two processes sweeping the same Postgres
 * database every second. Counted in the database (articles, revisions, comments) and in both
 * processes' logs (each destroyed article named exactly once).
 */
t.test(
  'two processes purge the trash after its retention, each article exactly once',
  { skip: requires('postgres') },
  async (t) => {
    const { DATABASE_URL } = await freshDatabase(t)
    const ADMIN_TOKEN = 'retention-test-admin-token-0123456789'
    const retentionSeconds = 3
    const env = cleanEnv({
      DATABASE_URL: DATABASE_URL!,
      ADMIN_TOKEN,
      TRASH_RETENTION_DAYS: String(retentionSeconds / 86_400),
      TRASH_PURGE_INTERVAL_SECONDS: '1',
      RATE_LIMIT_PER_MINUTE: '1000000',
    })
    const servers: Running[] = []
    t.teardown(() => Promise.all(servers.map((s) => s.stop())))
    servers.push(await startServer(env))
    servers.push(await startServer(env))
    const [a, b] = servers as [Running, Running]
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }
    const call = async (server: Running, method: string, path: string, body?: object) => {
      const res = await fetch(server.url + path, {
        method,
        headers: admin,
        ...(body ? { body: JSON.stringify(body) } : {}),
      })
      const text = await res.text()
      return { status: res.status, body: text ? JSON.parse(text) : undefined }
    }

    const author = (await call(a, 'GET', '/api/v1/authors?limit=1')).body.data[0].id as string
    const ids: string[] = []
    for (let i = 0; i < 150; i++) {
      const created = await call(i % 2 ? a : b, 'POST', '/api/v1/articles', {
        title: `Doomed ${i}`,
        authorId: author,
        body: `Body ${i}`,
      })
      t.equal(created.status, 201)
      ids.push(created.body.id)
    }
    const keeper = (await call(a, 'POST', '/api/v1/articles', { title: 'Kept', authorId: author })).body.id as string
    const inClause = (list: string[]) => list.map((id) => `'${id}'`).join(',')
    t.equal(
      Number(
        (
          await adminQueryOn(
            DATABASE_URL!,
            `SELECT count(*) FROM article_revisions WHERE article_id IN (${inClause(ids)})`,
          )
        ).rows[0].count,
      ),
      150,
      'one revision each so far',
    )

    for (const batch of [ids.slice(0, 100), ids.slice(100)]) {
      const trashed = await call(b, 'POST', '/api/v1/articles/bulk', { action: 'trash', ids: batch })
      t.equal(trashed.status, 200)
      t.ok(
        trashed.body.results.every((r: { status: number }) => r.status === 204),
        `${batch.length} trashed`,
      )
    }
    const inTrash = await call(a, 'GET', '/api/v1/trash?limit=1')
    t.equal(inTrash.body.meta.total, 150, 'all in the trash, for now')

    const waited = await until(
      async () =>
        Number(
          (await adminQueryOn(DATABASE_URL!, `SELECT count(*) FROM articles WHERE id IN (${inClause(ids)})`)).rows[0]
            .count,
        ) === 0,
      30_000,
    )
    t.comment(`the trash was emptied ${waited} ms after the last trashing (retention ${retentionSeconds} s)`)

    // Not before its time: each article's `article.deleted` came at least the retention after its
    // `article.trashed` (both events outlive the article; the database stamps them to the
    // millisecond when their transaction began, so allow 50 ms). And not long after: within the
    // retention plus a few sweeps (every second) of slack.
    const lifetimes = (
      await adminQueryOn(
        DATABASE_URL!,
        `SELECT tr.article_id AS id, (extract(epoch FROM del.created_at - tr.created_at) * 1000)::int AS ms
         FROM outbox_events tr JOIN outbox_events del ON del.article_id = tr.article_id AND del.type = 'article.deleted'
         WHERE tr.type = 'article.trashed' AND tr.article_id IN (${inClause(ids)})`,
      )
    ).rows as { id: string; ms: number }[]
    t.equal(lifetimes.length, 150, 'each trashed article has its trashing and its destruction on record')
    const shortest = Math.min(...lifetimes.map((l) => l.ms))
    const longest = Math.max(...lifetimes.map((l) => l.ms))
    t.ok(
      shortest >= retentionSeconds * 1000 - 50,
      `none destroyed before the retention: the shortest stay in the trash was ${shortest} ms (retention ${retentionSeconds * 1000} ms)`,
    )
    t.ok(
      longest < (retentionSeconds + 10) * 1000,
      `all destroyed soon after it: the longest stay was ${longest} ms (swept every second)`,
    )

    const count = async (sql: string) => Number((await adminQueryOn(DATABASE_URL!, sql)).rows[0].count)
    t.equal(
      await count(`SELECT count(*) FROM articles WHERE id IN (${inClause(ids)})`),
      0,
      'every trashed article destroyed',
    )
    t.equal(
      await count(`SELECT count(*) FROM article_revisions WHERE article_id IN (${inClause(ids)})`),
      0,
      'and its revisions with it',
    )
    t.equal(
      await count(`SELECT count(*) FROM articles WHERE id = '${keeper}'`),
      1,
      'an article that was never trashed stays',
    )
    t.equal(
      await count(`SELECT count(*) FROM article_revisions WHERE article_id = '${keeper}'`),
      1,
      'with its revision',
    )
    t.equal((await call(a, 'GET', '/api/v1/trash?limit=1')).body.meta.total, 0, 'the trash is empty')

    // Each destroyed article is named in exactly one purge log line of one of the two processes.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const purged = servers.flatMap((server, n) =>
      server
        .stdout()
        .split('\n')
        .filter((line) => line.includes('TRASH_RETENTION_DAYS'))
        .flatMap((line) => (JSON.parse(line).ids as string[]).map((id) => ({ id, process: n }))),
    )
    t.equal(purged.length, 150, `${purged.length} destructions logged`)
    t.same([...new Set(purged.map((p) => p.id))].sort(), [...ids].sort(), 'each article exactly once')
    const byProcess = [0, 1].map((n) => purged.filter((p) => p.process === n).length)
    t.comment(`destroyed by process A: ${byProcess[0]}, by process B: ${byProcess[1]}`)
  },
)

async function adminQueryOn(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await client.query(sql)
  } finally {
    await client.end()
  }
}
