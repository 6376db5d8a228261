import t from 'tap'
import { buildApp } from '../../src/app.js'
import { configWith } from '../../src/config.js'
import { freshDatabase, GENEROUS_LIMITS, json } from '../support/app.js'
import { createArticle, createAuthor, createComment } from '../support/factories.js'

/**
 * Statements per request must not grow with the page size or with include=author (no N+1),
 * and stay at three or fewer (the bound). Today each read is one statement: a page
 * carries its total as a scalar subquery, and nested comment lists resolve their article
 * inside the same statement; an edit is the token lookup plus one conditional UPDATE.
 */
t.test('SQL statements per request are constant and few', async (t) => {
  const statements: string[] = []
  let counting = false
  // No background jobs: only the requests' own statements are counted.
  const app = await buildApp(
    configWith({
      ...(await freshDatabase(t)),
      LOG_LEVEL: 'silent',
      ...GENEROUS_LIMITS,
      RUN_BACKGROUND_JOBS: false,
      SEED_ON_EMPTY: false,
      // The uncached paths: a read cache hit sends no statement at all (test/routes/read-cache.test.ts).
      READ_CACHE_MB: 0,
    }),
    {
      logger: false,
      onQuery: (sql) => {
        if (counting) statements.push(sql)
      },
    },
  )
  t.teardown(() => app.close())
  // 25 published articles (more than a page of 20: the cursor page has rows) by five authors,
  // tagged transport, housing or both (and tags starting with c, for the prefix search); the
  // newest has approved comments. Lists of 1, 20 and 100 rows then cost the same only if nothing
  // is fetched per row.
  const authors: Awaited<ReturnType<typeof createAuthor>>[] = []
  for (let i = 0; i < 5; i++) authors.push(await createAuthor(app))
  const tagSets = [['transport', 'city-hall'], ['housing'], ['transport', 'housing', 'culture']]
  for (let i = 0; i < 25; i++) {
    const article = await createArticle(app, {
      state: 'published',
      publishedAt: new Date(Date.UTC(2025, 0, 31 - i)).toISOString(),
      authorId: authors[i % authors.length]!.id,
      tags: tagSets[i % tagSets.length]!,
    })
    if (i === 0) for (let c = 0; c < 3; c++) await createComment(app, article, { status: 'approved' })
  }
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
  t.equal([...counts][0], 1, 'a list page is one statement, total included')

  const first = (await count('/api/v1/articles?limit=1')).body.data[0]
  const next = (await count('/api/v1/articles?limit=1')).body.meta.nextCursor
  const deep = await count(`/api/v1/articles?limit=20&cursor=${next}`)
  t.ok(deep.n <= 3, `a cursor page: ${deep.n} statements`)
  t.equal(deep.n, 1, 'a cursor page is one statement')

  const single = await count(`/api/v1/articles/${first.slug}`)
  const withAuthor = await count(`/api/v1/articles/${first.slug}?include=author`)
  t.ok(single.n <= 3 && single.n === withAuthor.n, `single article: ${single.n}, with author: ${withAuthor.n}`)
  t.equal(single.n, 1, 'a single article is one statement')

  const c1 = await count(`/api/v1/articles/${first.slug}/comments?limit=1`)
  const c100 = await count(`/api/v1/articles/${first.slug}/comments?limit=100`)
  t.equal(c1.n, c100.n, `comments: the same for limit 1 and 100 (${c1.n})`)
  t.ok(c100.n <= 3, `comments: at most 3 statements (${c100.n})`)
  t.equal(c100.n, 1, 'an article’s comments are one statement, the article lookup included')

  const tags1 = await count('/api/v1/tags?limit=1')
  const tags100 = await count('/api/v1/tags?limit=100&sort=tag')
  const tagsNext = await count(`/api/v1/tags?limit=5&cursor=${tags1.body.meta.nextCursor}`)
  const tagsPrefix = await count('/api/v1/tags?q=c')
  t.same(
    [tags1.n, tags100.n, tagsNext.n, tagsPrefix.n],
    [1, 1, 1, 1],
    'the tag index is one statement: counts, total and cursor page',
  )
  const twoTags = await count('/api/v1/articles?tag=transport&tag=housing&limit=100')
  t.equal(twoTags.n, 1, 'an article list filtered by several tags is one statement')

  // Feeds and sitemaps: one statement each, whatever the format; the author feed finds its
  // author in the same statement, the index counts the files and their lastmods in one.
  const feedsAndSitemaps: Record<string, number> = {}
  for (const url of [
    ...['rss', 'atom', 'json'].flatMap((format) => [
      `/feeds/articles.${format}`,
      `/feeds/tags/transport.${format}`,
      `/feeds/authors/${authors[0]!.slug}.${format}`,
    ]),
    '/feeds/authors/no-such-author.rss',
    '/sitemap.xml',
    '/sitemaps/articles-1.xml',
    '/sitemaps/articles-2.xml',
    '/sitemaps/news.xml',
    '/sitemaps/authors.xml',
  ]) {
    statements.length = 0
    counting = true
    const res = await app.inject(url)
    counting = false
    t.equal(res.statusCode, url.includes('no-such') || url.endsWith('articles-2.xml') ? 404 : 200, url)
    feedsAndSitemaps[url] = statements.length
  }
  t.same(
    Object.entries(feedsAndSitemaps).filter(([, n]) => n !== 1),
    [],
    `every feed and sitemap (and their 404s) is one statement: ${JSON.stringify(feedsAndSitemaps)}`,
  )

  // Writes. The first use of a token records last_used_at and the first comment on an
  // article looks its id up for the rate-limit key; both are remembered, so count the second.
  const { secret } = await app.services.tokens.create({ name: 'counting editor', role: 'editor' })
  const editor = { authorization: `Bearer ${secret}` }
  const write = async (
    method: 'PATCH' | 'POST',
    url: string,
    payload: object,
    headers: Record<string, string> = {},
  ) => {
    statements.length = 0
    counting = true
    const res = await app.inject({ method, url, payload, headers })
    counting = false
    return { n: statements.length, res }
  }
  let etag = (await app.inject(`/api/v1/articles/${first.id}`)).headers.etag as string
  for (const attempt of [1, 2]) {
    const { n, res } = await write(
      'PATCH',
      `/api/v1/articles/${first.id}`,
      { title: `Counted edit ${attempt}` },
      { ...editor, 'if-match': etag },
    )
    t.equal(res.statusCode, 200)
    etag = res.headers.etag as string
    // The current representation is read to compare the whole ETag (hash included) with
    // If-Match; the UPDATE then checks the version again, atomically.
    if (attempt === 2)
      t.equal(n, 3, `PATCH with If-Match: token lookup + the current representation + one conditional UPDATE (${n})`)
  }
  for (const attempt of [1, 2]) {
    const { n, res } = await write('POST', `/api/v1/articles/${first.slug}/comments`, {
      authorName: 'Counter',
      authorEmail: 'counter@example.org',
      body: `Counted comment ${attempt}`,
    })
    t.equal(res.statusCode, 201)
    if (attempt === 2) t.equal(n, 1, `anonymous comment POST: one INSERT … SELECT (${n})`)
  }
})
