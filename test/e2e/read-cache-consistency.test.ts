import pg from 'pg'
import t from 'tap'
import { freshDatabase } from '../support/app.js'
import { cleanEnv, startServer, until, type Running } from '../support/process.js'
import { requires } from '../support/requires.js'

/**
 * The read cache across two server processes on one Postgres database: writers edit, publish,
 * unpublish, trash, restore, approve comments, rename the author and schedule, through both
 * processes in turn, while readers hammer the same public URLs through both. A read that starts
 * after a write was acknowledged must show it (or something newer), whichever process answers:
 * every such read that does not is counted stale, and none may be. Then the same while each
 * process's notification connection is terminated (pg_terminate_backend).
 */
const skip = requires('postgres', 'several processes share one database')
const ADMIN_TOKEN = 'read-cache-consistency-admin-token-0123456789'
const LISTENER = 'broadsheet listen broadsheet_changes'

interface State {
  /** Number in the title of article X (`Edit <n>`). */
  title: number
  /** Number in the author's name (`Writer <n>`). */
  name: number
  /** Approved comments of X. */
  approved: number
  /**
   * Whether Y is public, and twice the number of Y's changes (odd while one is on its way): a read
   * is judged on Y only if none was on its way when it started and none began meanwhile.
   */
  yPublic: boolean
  yChanges: number
  /** Scheduled articles whose time has come, by slug: every list must show them. */
  due: string[]
}

t.test('no acknowledged write is followed by a stale read, from either process', { skip }, async (t) => {
  const { DATABASE_URL } = await freshDatabase(t)
  const database = new URL(DATABASE_URL!).pathname.slice(1)
  const env = cleanEnv({
    DATABASE_URL: DATABASE_URL!,
    ADMIN_TOKEN,
    SEED_ON_EMPTY: 'false',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '10000000',
    COMMENT_RATE_LIMIT: '100000',
    COMMENT_RATE_LIMIT_PER_ARTICLE: '100000',
  })
  const servers: Running[] = [await startServer(env), await startServer(env)]
  t.teardown(() => Promise.all(servers.map((s) => s.stop())))

  const call = async (server: Running, method: string, path: string, body?: object, token = true) => {
    const res = await fetch(server.url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(method === 'PATCH' ? { 'if-match': '*' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }
  const [a, b] = servers as [Running, Running]
  const ok = async (server: Running, method: string, path: string, body?: object, token = true) => {
    const res = await call(server, method, path, body, token)
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`)
    return res.body
  }

  const author = await ok(a, 'POST', '/api/v1/authors', { name: 'Writer 0', email: 'writer@example.com' })
  const y = await ok(a, 'POST', '/api/v1/articles', { title: 'Article Y', authorId: author.id, body: 'Y' })
  const x = await ok(a, 'POST', '/api/v1/articles', {
    title: 'Edit 0',
    authorId: author.id,
    body: 'X',
    tags: ['harbour'],
  })
  await ok(a, 'POST', `/api/v1/articles/${x.id}/publish`, {})
  const pending: string[] = []
  for (let i = 0; i < 12; i++) {
    const comment = await ok(
      i % 2 ? a : b,
      'POST',
      `/api/v1/articles/${x.slug}/comments`,
      { authorName: `Reader ${i}`, authorEmail: `reader${i}@example.com`, body: `Comment ${i}` },
      false,
    )
    pending.push(comment.id)
  }

  const state: State = { title: 0, name: 0, approved: 0, yPublic: false, yChanges: 0, due: [] }
  const numberIn = (text: unknown, word: string) => Number(new RegExp(`^${word} (\\d+)$`).exec(String(text))?.[1] ?? -1)

  /** Each URL, and what its answer must show given the state acknowledged before it was asked. */
  const checks: {
    path: string
    stale: (status: number, body: any, seen: State, yStill: boolean) => string | undefined
  }[] = [
    {
      path: `/api/v1/articles/${x.slug}?include=author`,
      stale: (status, body, seen) =>
        status !== 200
          ? `status ${status}`
          : numberIn(body.title, 'Edit') < seen.title
            ? `title ${body.title} < ${seen.title}`
            : numberIn(body.author?.name, 'Writer') < seen.name
              ? `author ${body.author?.name} < ${seen.name}`
              : undefined,
    },
    {
      path: '/api/v1/articles?limit=100&include=author',
      stale: (status, body, seen, yStill) => {
        if (status !== 200) return `status ${status}`
        const items = body.data as { slug: string; title: string; author: { name: string } }[]
        const itemX = items.find((item) => item.slug === x.slug)
        if (!itemX || numberIn(itemX.title, 'Edit') < seen.title) return `list title ${itemX?.title} < ${seen.title}`
        if (numberIn(itemX.author.name, 'Writer') < seen.name) return `list author ${itemX.author.name} < ${seen.name}`
        if (yStill && items.some((item) => item.slug === y.slug) !== seen.yPublic)
          return `list Y should be ${seen.yPublic}`
        const missing = seen.due.filter((slug) => !items.some((item) => item.slug === slug))
        return missing.length > 0 ? `scheduled ${missing.join(',')} not listed after its time` : undefined
      },
    },
    {
      path: `/api/v1/articles/${x.slug}/comments?limit=100`,
      stale: (status, body, seen) =>
        status !== 200
          ? `status ${status}`
          : body.data.length < seen.approved
            ? `${body.data.length} comments < ${seen.approved}`
            : undefined,
    },
    {
      path: `/api/v1/authors/${author.slug}`,
      stale: (status, body, seen) =>
        status !== 200
          ? `status ${status}`
          : numberIn(body.name, 'Writer') < seen.name
            ? `name ${body.name} < ${seen.name}`
            : undefined,
    },
    {
      path: `/api/v1/articles/${y.slug}`,
      stale: (status, _body, seen, yStill) =>
        yStill && (status === 200) !== seen.yPublic ? `Y answered ${status}, public: ${seen.yPublic}` : undefined,
    },
  ]

  const counts = { reads: 0, writes: 0, stale: 0 }
  const staleReads: string[] = []
  let reading = true
  const reader = async (n: number) => {
    for (let i = n; reading; i++) {
      const check = checks[i % checks.length]!
      const server = servers[(i >> 1) % 2]!
      const seen = structuredClone(state)
      const res = await call(server, 'GET', check.path, undefined, false)
      const problem = check.stale(
        res.status,
        res.body,
        seen,
        seen.yChanges % 2 === 0 && state.yChanges === seen.yChanges,
      )
      counts.reads++
      if (problem) {
        counts.stale++
        if (staleReads.length < 10) staleReads.push(`${server === a ? 'A' : 'B'} ${check.path}: ${problem}`)
      }
    }
  }

  const yActions = ['publish', 'unpublish', 'trash', 'restore'] as const
  let yStep = 0
  const write = async (i: number) => {
    const server = i % 2 ? a : b
    switch (i % 6) {
      case 0:
        await ok(server, 'PATCH', `/api/v1/articles/${x.id}`, { title: `Edit ${i}` })
        state.title = i
        break
      case 1:
        await ok(server, 'PATCH', `/api/v1/authors/${author.id}`, { name: `Writer ${i}` })
        state.name = i
        break
      case 2: {
        const id = pending.shift()
        if (id === undefined) break
        await ok(server, 'PATCH', `/api/v1/comments/${id}`, { status: 'approved' })
        state.approved++
        break
      }
      case 3:
      case 4: {
        const action = yActions[yStep++ % yActions.length]!
        state.yChanges++
        if (action === 'trash') await ok(server, 'DELETE', `/api/v1/articles/${y.id}`)
        else if (action === 'restore') await ok(server, 'POST', `/api/v1/articles/${y.id}/restore`, {})
        else await ok(server, 'POST', `/api/v1/articles/${y.id}/${action}`, {})
        state.yPublic = action === 'publish'
        state.yChanges++
        break
      }
      case 5: {
        // Goes live in 1.5 s by the clock: no write announces it in time for the other process.
        const at = new Date(Date.now() + 1500)
        const z = await ok(server, 'POST', '/api/v1/articles', {
          title: `Scheduled ${i}`,
          authorId: author.id,
          body: 'Z',
        })
        await ok(server, 'POST', `/api/v1/articles/${z.id}/publish`, { publishAt: at.toISOString() })
        setTimeout(() => state.due.push(z.slug), at.getTime() - Date.now() + 50).unref()
        break
      }
    }
    counts.writes++
  }

  const terminate = async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    try {
      const res = await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2',
        [database, LISTENER],
      )
      return res.rowCount ?? 0
    } finally {
      await client.end()
    }
  }

  const round = async (name: string, writes: number, during?: (i: number) => Promise<void>) => {
    Object.assign(counts, { reads: 0, writes: 0, stale: 0 })
    staleReads.length = 0
    reading = true
    const readers = Array.from({ length: 8 }, (_, n) => reader(n))
    for (let i = 0; i < writes; i++) {
      await write(i + (name === 'plain' ? 0 : 1000))
      await during?.(i)
      await new Promise((resolve) => setTimeout(resolve, 40))
    }
    // Scheduled articles still to come are waited for, so their go-live is checked too.
    await new Promise((resolve) => setTimeout(resolve, 1800))
    reading = false
    await Promise.all(readers)
    t.comment(`${name}: ${counts.reads} reads, ${counts.writes} writes, ${counts.stale} stale`)
    t.equal(counts.stale, 0, `${name}: no stale read`, { staleReads })
    t.ok(counts.reads > counts.writes * 5, `${name}: readers kept reading (${counts.reads})`)
  }

  /** A metric of one process (the admin reads /metrics). */
  const metric = async (server: Running, name: string) => {
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await res.text())?.[1] ?? Number.NaN)
  }
  const hits = async () =>
    (await metric(a, 'broadsheet_read_cache_hits_total')) + (await metric(b, 'broadsheet_read_cache_hits_total'))

  await round('plain', 60)
  t.ok((await hits()) > 100, 'the readers were served from the cache')

  let terminated = 0
  await round('notification connections terminated', 30, async (i) => {
    if (i % 10 === 0) terminated += await terminate()
  })
  t.ok(terminated >= 2, `each process's listening connection was terminated (${terminated} times)`)
  // Both follow changes again, and cache again.
  for (const server of servers)
    await until(async () => (await metric(server, 'broadsheet_read_cache_connected')) === 1, 15_000)
  const before = await hits()
  for (const server of servers) for (let i = 0; i < 3; i++) await call(server, 'GET', checks[0]!.path, undefined, false)
  t.ok((await hits()) > before, 'and cache again once they are back')
})
