import t from 'tap'
import { buildApp } from '../../src/app.js'
import { configWith } from '../../src/config.js'
import { freshDatabase, GENEROUS_LIMITS, json } from '../helper.js'

/**
 * Statements per request must not grow with the page size or with include=author (no N+1),
 * and stay at three or fewer: page, count, and nothing else per row.
 */
t.test('SQL statements per request are constant and few', async (t) => {
  const statements: string[] = []
  let counting = false
  const app = await buildApp(configWith({ ...(await freshDatabase(t)), LOG_LEVEL: 'silent', ...GENEROUS_LIMITS }), {
    logger: false,
    onQuery: (sql) => {
      if (counting) statements.push(sql)
    },
  })
  t.teardown(() => app.close())
  // The first list request loads the cursor signing key once per process: not per request.
  await app.inject('/api/v1/articles?limit=1')

  const count = async (url: string) => {
    statements.length = 0
    counting = true
    const res = await app.inject(url)
    counting = false
    t.equal(res.statusCode, 200, url)
    return { n: statements.length, body: json(res) }
  }

  const list: Record<string, number> = {}
  for (const url of [
    '/api/v1/articles?limit=1',
    '/api/v1/articles?limit=20',
    '/api/v1/articles?limit=100',
    '/api/v1/articles?limit=1&include=author',
    '/api/v1/articles?limit=20&include=author',
    '/api/v1/articles?limit=100&include=author',
  ]) {
    list[url] = (await count(url)).n
  }
  const counts = new Set(Object.values(list))
  t.equal(counts.size, 1, `the list costs the same whatever the limit or include: ${JSON.stringify(list)}`)
  t.ok([...counts][0]! <= 3, `at most 3 statements (${[...counts][0]})`)

  const first = (await count('/api/v1/articles?limit=1')).body.data[0]
  const next = (await count('/api/v1/articles?limit=1')).body.meta.nextCursor
  const deep = await count(`/api/v1/articles?limit=20&cursor=${next}`)
  t.ok(deep.n <= 3, `a cursor page: ${deep.n} statements`)

  const single = await count(`/api/v1/articles/${first.slug}`)
  const withAuthor = await count(`/api/v1/articles/${first.slug}?include=author`)
  t.ok(single.n <= 3 && single.n === withAuthor.n, `single article: ${single.n}, with author: ${withAuthor.n}`)

  const c1 = await count(`/api/v1/articles/${first.slug}/comments?limit=1`)
  const c100 = await count(`/api/v1/articles/${first.slug}/comments?limit=100`)
  t.equal(c1.n, c100.n, `comments: the same for limit 1 and 100 (${c1.n})`)
  t.ok(c100.n <= 3, `comments: at most 3 statements (${c100.n})`)
})
