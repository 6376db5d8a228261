import t from 'tap'
import pg from 'pg'
import { adminQuery, freshDatabase } from '../support/app.js'
import { cleanEnv, getFrom, spawnServer, startServer, until } from '../support/process.js'
import { privateCluster } from '../support/pg-cluster.js'
import { requires } from '../support/requires.js'

const ADMIN_TOKEN = 'fault-admin-secret-0123456789abcdef'
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

const skipCluster = requires('postgres-cluster')

t.test('Postgres stopped and started: 503s while down, back by itself', { skip: skipCluster }, async (t) => {
  const cluster = await privateCluster(t)
  const server = await startServer(cleanEnv({ DATABASE_URL: cluster.url, DB_CONNECT_TIMEOUT_MS: '2000' }))
  t.teardown(() => server.stop())
  t.equal((await getFrom(server, '/health/ready')).status, 200)
  const slug = (JSON.parse((await getFrom(server, '/api/v1/articles?limit=1')).text) as { data: { slug: string }[] })
    .data[0]!.slug
  const comment = JSON.stringify({
    authorName: 'Restart Reader',
    authorEmail: 'restart@example.org',
    body: 'Posted across a restart.',
  })
  const post = () =>
    fetch(`${server.url}/api/v1/articles/${slug}/comments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'across-a-restart' },
      body: comment,
      signal: AbortSignal.timeout(15_000),
    })

  await cluster.stop()
  // Waited for far longer than the bound, so a slow readiness check fails the bound below
  // (saying how slow) instead of the wait.
  const down = await until(async () => (await getFrom(server, '/health/ready')).status === 503, 60_000)
  t.ok(down < 5000, `readiness 503 within 5 s of the stop (DB_CONNECT_TIMEOUT_MS 2000): after ${down} ms`)
  for (const path of ['/api/v1/articles', '/api/v1/articles/some-slug', '/api/v1/authors']) {
    const res = await getFrom(server, path)
    t.equal(res.status, 503, `${path}: 503 while the database is down`)
    t.match(res.type, /^application\/problem\+json/)
    t.match(JSON.parse(res.text), { code: 'SERVICE_UNAVAILABLE' })
    t.ok(res.ms < 3000, `${path}: answered fast (${res.ms} ms)`)
  }
  t.equal((await getFrom(server, '/health/live')).status, 200, 'still alive')
  const failed = await post()
  t.equal(failed.status, 503, 'a keyed POST while the database is down is a 503')

  await cluster.start()
  const up = await until(async () => (await getFrom(server, '/health/ready')).status === 200, 15_000)
  t.pass(`ready again ${up} ms after Postgres came back, without a restart`)
  t.equal((await getFrom(server, '/api/v1/articles')).status, 200)
  t.equal(server.child.exitCode, null, 'the same process kept running')
  // The 503 stored nothing and holds nothing: the retry with the same key runs (never a 409
  // IN_FLIGHT), and the next one replays it.
  const retried = await post()
  t.equal(retried.status, 201, `the retry after the restart runs (${retried.status})`)
  const created = await retried.text()
  const replayed = await post()
  t.equal(replayed.status, 201)
  t.equal(replayed.headers.get('idempotent-replayed'), 'true', 'and the next retry is a replay')
  t.equal(await replayed.text(), created, 'of the same answer')
})

t.test('database down at start-up: retries with backoff, then serves', { skip: skipCluster }, async (t) => {
  const cluster = await privateCluster(t)
  await cluster.stop()
  const { child, stdout, stderr } = spawnServer(
    cleanEnv({ PORT: '0', DATABASE_URL: cluster.url, DB_STARTUP_TIMEOUT_MS: '60000', DB_CONNECT_TIMEOUT_MS: '1000' }),
  )
  t.teardown(() => {
    child.kill('SIGTERM')
  })
  // Only once the server has said it is waiting does the database come up.
  await until(async () => /database not reachable \(ECONNREFUSED\); retrying in/.test(stdout()), 30_000)
  t.pass('logs that it is waiting for the database, and why')
  t.equal(child.exitCode, null, 'and keeps running')
  await cluster.start()
  await until(async () => /API:\s+http/.test(stderr()), 30_000)
  const url = /API:\s+(http:\/\/[^/\s]+)/.exec(stderr())![1]!
  t.equal((await fetch(`${url}/health/ready`)).status, 200, 'serves once the database is up')
})

t.test(
  'connections killed under load: only 503s, no crash, every acknowledged write kept',
  { skip: requires('postgres') },
  async (t) => {
    const { DATABASE_URL } = await freshDatabase(t)
    const server = await startServer(
      cleanEnv({
        DATABASE_URL: DATABASE_URL!,
        ADMIN_TOKEN,
        DB_POOL_SIZE: '4',
        COMMENT_RATE_LIMIT: '100000',
        COMMENT_RATE_LIMIT_PER_ARTICLE: '100000',
        RATE_LIMIT_PER_MINUTE: '1000000',
      }),
    )
    t.teardown(() => server.stop())
    const dbName = new URL(DATABASE_URL!).pathname.slice(1)
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      let res: Response
      try {
        res = await fetch(server.url + path, {
          method,
          headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
          ...(body ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(15_000),
        })
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause
        await new Promise((resolve) => setTimeout(resolve, 1000))
        throw new Error(
          `${method} ${path}: ${cause?.code ?? ''} ${cause?.message ?? error}; server exit code ${server.child.exitCode}\n${server
            .stdout()
            .split('\n')
            .filter((l) => /"level":(50|60)|shutting down/.test(l))
            .slice(-5)
            .join('\n')}\n${server.stderr().slice(-2000)}`,
          { cause: error },
        )
      }
      return { status: res.status, etag: res.headers.get('etag'), body: await res.text() }
    }
    const list = JSON.parse((await call('GET', '/api/v1/articles?limit=5')).body).data as { id: string; slug: string }[]
    const authorId = JSON.parse((await call('GET', '/api/v1/authors?limit=1')).body).data[0].id as string

    const statuses = new Map<number, number>()
    const acknowledgedComments: string[] = []
    const acknowledgedTitles = new Map<string, string>()
    const note = (s: number) => statuses.set(s, (statuses.get(s) ?? 0) + 1)
    const stopAt = Date.now() + 6000
    let kills = 0

    const killer = (async () => {
      while (Date.now() < stopAt) {
        await new Promise((resolve) => setTimeout(resolve, 400))
        await adminQuery(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
          [dbName],
        )
        kills++
      }
    })()
    const reader = async () => {
      for (let i = 0; Date.now() < stopAt; i++) {
        note(
          (
            await call(
              'GET',
              i % 2 ? '/api/v1/articles?include=author' : `/api/v1/articles/${list[i % list.length]!.slug}`,
            )
          ).status,
        )
      }
    }
    const commenter = async (n: number) => {
      for (let i = 0; Date.now() < stopAt; i++) {
        const res = await call('POST', `/api/v1/articles/${list[i % list.length]!.slug}/comments`, {
          authorName: `Load ${n}`,
          authorEmail: 'load@example.org',
          body: `comment ${n}-${i}`,
        })
        note(res.status)
        if (res.status === 201) acknowledgedComments.push(JSON.parse(res.body).id)
      }
    }
    const editor = async () => {
      const created = await call('POST', '/api/v1/articles', { title: 'Under load', authorId }, admin)
      const id = JSON.parse(created.body).id as string
      let etag = created.etag!
      for (let i = 0; Date.now() < stopAt; i++) {
        const res = await call(
          'PATCH',
          `/api/v1/articles/${id}`,
          { title: `Edit ${i}` },
          { ...admin, 'if-match': etag },
        )
        note(res.status)
        if (res.status === 200) {
          etag = res.etag!
          acknowledgedTitles.set(id, `Edit ${i}`)
        } else if (res.status === 412) {
          // The write may have committed before its connection died: re-read and carry on.
          const current = await call('GET', `/api/v1/articles/${id}`, undefined, admin)
          if (current.status === 200) {
            etag = current.etag!
            acknowledgedTitles.set(id, JSON.parse(current.body).title)
          }
        }
      }
    }
    await Promise.all([killer, reader(), reader(), commenter(1), commenter(2), editor()])

    const summary = Object.fromEntries(statuses)
    t.ok(kills >= 5, `${kills} rounds of pg_terminate_backend`)
    t.ok(
      (statuses.get(200) ?? 0) + (statuses.get(201) ?? 0) > 20,
      `requests succeeded in between: ${JSON.stringify(summary)}`,
    )
    const bad = [...statuses.keys()].filter((s) => s >= 500 && s !== 503)
    const failures = server
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"request failed"'))
      .map((line) => {
        const { err } = JSON.parse(line) as { err?: { type?: string; message?: string; code?: string } }
        return `${err?.type} ${err?.code ?? ''} ${err?.message?.slice(-300)}`
      })
    t.same(
      bad,
      [],
      `no 5xx other than 503 (${JSON.stringify(summary)})${failures.length ? `:\n${[...new Set(failures)].join('\n')}` : ''}`,
    )
    t.equal(server.child.exitCode, null, 'the process did not crash')
    await until(async () => (await call('GET', '/health/ready')).status === 200, 5000)
    t.pass('and is ready again afterwards')

    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    t.teardown(() => client.end())
    const stored = await client.query<{ id: string }>('SELECT id FROM comments WHERE id = ANY($1::uuid[])', [
      acknowledgedComments,
    ])
    t.equal(
      stored.rowCount,
      acknowledgedComments.length,
      `all ${acknowledgedComments.length} acknowledged comments are stored`,
    )
    for (const [id, title] of acknowledgedTitles) {
      const row = await client.query<{ title: string }>('SELECT title FROM articles WHERE id = $1', [id])
      t.equal(row.rows[0]?.title, title, 'the last acknowledged edit is what is stored')
    }
  },
)
