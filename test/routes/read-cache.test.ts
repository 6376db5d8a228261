import t from 'tap'
import { buildApp } from '../../src/app.js'
import { configWith } from '../../src/config.js'
import {
  adminQuery,
  buildTestApp,
  freshDatabase,
  GENEROUS_LIMITS,
  json,
  onPostgres,
  tokenHeaders,
  type TestApp,
} from '../support/app.js'
import { until } from '../support/process.js'
import { adminHeaders, createArticle, createAuthor, createComment, setArticleState } from '../support/factories.js'

/** The headers a stored answer must carry again, byte for byte. */
const STORED = ['etag', 'cache-control', 'surrogate-key', 'cache-tag', 'vary', 'content-type', 'link']
const pick = (headers: Record<string, unknown>) => Object.fromEntries(STORED.map((name) => [name, headers[name]]))

async function hitsOf(app: TestApp, run: () => Promise<unknown>): Promise<number> {
  const before = app.readCache.stats().hits
  await run()
  return app.readCache.stats().hits - before
}

t.test(
  'an anonymous public read is served again from memory, the same bytes and headers, without a statement',
  async (t) => {
    const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
    const article = await createArticle(app, { state: 'published', tags: ['harbour'] })
    const url = `/api/v1/articles/${article.slug}?include=author`
    const first = await app.inject(url)
    t.equal(first.statusCode, 200)
    t.equal(app.readCache.stats().entries, 1, 'stored')
    const hits = await hitsOf(app, async () => {
      const second = await app.inject(url)
      t.equal(second.statusCode, 200)
      t.equal(second.body, first.body, 'same bytes')
      t.same(pick(second.headers), pick(first.headers), 'same ETag, Cache-Control, Vary and keys')
      t.not(second.headers['x-request-id'], first.headers['x-request-id'], 'a request id of its own')
      t.match(second.headers['surrogate-key'], new RegExp(`article-${article.id}`))
      const revalidated = await app.inject({ url, headers: { 'if-none-match': String(first.headers.etag) } })
      t.equal(revalidated.statusCode, 304, 'If-None-Match on a stored answer')
      t.equal(revalidated.body, '')
      t.equal(revalidated.headers.etag, first.headers.etag)
    })
    t.equal(hits, 2)
    // Query order does not matter; the representation asked for does.
    const reordered = await hitsOf(app, () => app.inject(`/api/v1/articles?tag=harbour&sort=-publishedAt`))
    t.equal(reordered, 0, 'a list is a miss the first time')
    t.equal(await hitsOf(app, () => app.inject(`/api/v1/articles?sort=-publishedAt&tag=harbour`)), 1)
  },
)

t.test('a hit sends no SQL statement', async (t) => {
  const statements: string[] = []
  const app = await buildApp(
    configWith({ ...(await freshDatabase(t)), LOG_LEVEL: 'silent', ...GENEROUS_LIMITS, RUN_BACKGROUND_JOBS: false }),
    { logger: false, onQuery: (sql) => statements.push(sql) },
  )
  t.teardown(() => app.close())
  for (const url of ['/api/v1/articles?limit=5&include=author', '/api/v1/authors', '/feeds/articles.json']) {
    await app.inject(url)
    statements.length = 0
    const again = await app.inject(url)
    t.equal(again.statusCode, 200, url)
    t.same(statements, [], `${url}: served again without a statement`)
  }
})

t.test('a committed change removes exactly the answers whose keys it touches', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const admin = await adminHeaders(app)
  const author = await createAuthor(app)
  const a = await createArticle(app, { state: 'published', authorId: author.id })
  const b = await createArticle(app, { state: 'published', authorId: author.id })
  const urls = [
    `/api/v1/articles/${a.slug}`,
    `/api/v1/articles/${b.slug}`,
    '/api/v1/articles',
    `/api/v1/articles/${a.slug}/comments`,
  ]
  for (const url of urls) await app.inject(url)
  t.equal(app.readCache.stats().entries, 4)

  const patched = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${a.id}`,
    headers: { ...admin, 'if-match': '*' },
    payload: { title: 'Harbour reopens after the storm' },
  })
  t.equal(patched.statusCode, 200)
  const single = await app.inject(urls[0]!)
  t.equal(json(single).title, 'Harbour reopens after the storm', 'the edited article, read right after the write')
  const list = await app.inject(urls[2]!)
  t.ok(
    json<{ data: { title: string }[] }>(list).data.some((x) => x.title === 'Harbour reopens after the storm'),
    'in the list too',
  )
  t.equal(await hitsOf(app, () => app.inject(urls[1]!)), 1, 'the other article stays stored')

  await app.inject(urls[3]!) // stored again (the edit touched the article's key, which its comments carry)
  const comment = await createComment(app, a, { status: 'pending' })
  t.equal(await hitsOf(app, () => app.inject(urls[3]!)), 1, 'a pending comment changes nothing public')
  const approved = await app.inject({
    method: 'PATCH',
    url: `/api/v1/comments/${comment.id}`,
    headers: { ...admin, 'if-match': '*' },
    payload: { status: 'approved' },
  })
  t.equal(approved.statusCode, 200, approved.body)
  const comments = await app.inject(urls[3]!)
  t.ok(
    json<{ data: { id: string }[] }>(comments).data.some((c) => c.id === comment.id),
    'the approved comment is read at once',
  )

  await setArticleState(app, b, 'draft')
  t.equal((await app.inject(urls[1]!)).statusCode, 404, 'unpublished: gone from its page')
  t.notOk(
    json<{ data: { id: string }[] }>(await app.inject(urls[2]!)).data.some((x) => x.id === b.id),
    'and from the list',
  )
})

t.test('answers to a token, a preview token or a bad token are never stored nor served from the cache', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const author = await createAuthor(app)
  const editor = await tokenHeaders(app, 'editor')
  const draft = await createArticle(app, { state: 'draft', authorId: author.id })
  const published = await createArticle(app, { state: 'published', authorId: author.id })

  const asEditor = await app.inject({ url: `/api/v1/articles/${draft.slug}`, headers: editor })
  t.equal(asEditor.statusCode, 200)
  t.equal(asEditor.headers['cache-control'], 'private, no-cache')
  t.equal(
    (await app.inject(`/api/v1/articles/${draft.slug}`)).statusCode,
    404,
    'the draft is not served to anyone else',
  )
  const listAsEditor = await app.inject({ url: '/api/v1/articles?status=draft', headers: editor })
  t.equal(listAsEditor.statusCode, 200)
  t.equal(app.readCache.stats().entries, 0, 'nothing a token read was stored')

  // An anonymous answer is stored; a token holder asking for the same URL is not served it.
  await app.inject(`/api/v1/authors/${author.slug}`)
  t.equal(app.readCache.stats().entries, 1)
  const hits = await hitsOf(app, async () => {
    const mine = await app.inject({ url: `/api/v1/authors/${author.slug}`, headers: editor })
    t.equal(mine.statusCode, 200)
    t.equal(mine.headers['cache-control'], 'private, no-cache')
    t.equal(json(mine).email, author.email, "the editor sees the author's email")
    const anonymous = await app.inject(`/api/v1/authors/${author.slug}`)
    t.notOk('email' in json(anonymous), 'anonymous callers never do, before or after it')
    t.match(anonymous.headers.vary, /Authorization/, 'and the stored answer says it varies by Authorization')
    const bad = await app.inject({
      url: `/api/v1/articles/${published.slug}`,
      headers: { authorization: 'Bearer nope' },
    })
    t.equal(bad.statusCode, 401, 'a bad token is refused, not served the stored public answer')
  })
  t.equal(hits, 1, 'only the anonymous read came from the cache')

  const preview = await app.inject({ method: 'POST', url: `/api/v1/articles/${draft.id}/preview`, headers: editor })
  t.equal(preview.statusCode, 201)
  const previewed = await app.inject({
    url: `/api/v1/articles/${draft.id}`,
    headers: { authorization: `Bearer ${json(preview).token}` },
  })
  t.equal(previewed.statusCode, 200)
  t.equal(previewed.headers['cache-control'], 'private, no-store')
  t.equal(
    (await app.inject(`/api/v1/articles/${draft.id}`)).statusCode,
    404,
    'a preview is never served to anyone else',
  )
})

t.test('READ_CACHE_MB=0 turns the cache off', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false, READ_CACHE_MB: 0 })
  const article = await createArticle(app, { state: 'published' })
  await app.inject(`/api/v1/articles/${article.slug}`)
  await app.inject(`/api/v1/articles/${article.slug}`)
  t.match(app.readCache.stats(), { hits: 0, entries: 0 })
})

t.test(
  'losing the notification connection flushes the cache and serves uncached until it is back',
  { skip: !onPostgres },
  async (t) => {
    const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
    const article = await createArticle(app, { state: 'published' })
    const url = `/api/v1/articles/${article.slug}`
    await app.inject(url)
    t.equal(app.readCache.stats().entries, 1)
    // This app's own listening connection: tests beside this one have theirs, on other databases.
    const database = new URL(app.db.location).pathname.slice(1)
    const terminated = await adminQuery(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'broadsheet listen broadsheet_changes'`,
      [database],
    )
    t.ok(terminated.rowCount! >= 1, 'a listening connection was there to terminate')
    await until(async () => !app.readCache.stats().connected, 5000)
    t.match(app.readCache.stats(), { connected: false, entries: 0 }, 'flushed')
    t.equal(await hitsOf(app, () => app.inject(url)), 0, 'uncached meanwhile')
    t.equal(app.readCache.stats().entries, 0, 'and nothing stored')
    await until(async () => app.readCache.stats().connected, 10_000)
    await app.inject(url)
    t.equal(await hitsOf(app, () => app.inject(url)), 1, 'caching again once it is back')
  },
)
