import t from 'tap'
import { articles as seedArticles } from '../../prisma/seed-data.js'
import { buildTestApp, json } from '../helper.js'

const published = seedArticles
  .filter((a) => a.publishedAt !== null)
  .sort((a, b) => b.publishedAt!.localeCompare(a.publishedAt!))

t.test('GET /api/v1/articles lists published articles, newest first', async (t) => {
  const app = await buildTestApp(t)

  const res = await app.inject('/api/v1/articles')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = json(res)
  t.same(body.data.map((a: { slug: string }) => a.slug), published.map((a) => a.slug), 'exactly the published ones, in order')
  t.same(body.meta, { limit: 20, page: 1, nextCursor: null, total: published.length, pageCount: 1 })
  t.notOk(res.headers.link, 'no next page')

  const first = body.data[0]
  const source = published[0]!
  t.same(Object.keys(first).sort(), [
    'authorId', 'body', 'commentCount', 'createdAt', 'excerpt', 'id', 'publishedAt', 'slug', 'status', 'tags', 'title', 'updatedAt',
  ])
  t.equal(first.title, source.title, 'title byte-exact')
  t.equal(first.body, source.body, 'Markdown body byte-exact')
  t.equal(first.status, 'published')
  t.equal(first.publishedAt, source.publishedAt)
  t.notMatch(res.body, /@example\.(org|com|net)/, 'no email address anywhere')
})

t.test('pages, limit, count=false and the Link header', async (t) => {
  const app = await buildTestApp(t)
  const page1 = await app.inject('/api/v1/articles?limit=3')
  t.equal(json(page1).data.length, 3)
  t.same(json(page1).meta, { limit: 3, page: 1, nextCursor: null, total: published.length, pageCount: Math.ceil(published.length / 3) })
  t.equal(page1.headers.link, '</api/v1/articles?limit=3&page=2>; rel="next"')

  const last = Math.ceil(published.length / 3)
  const lastPage = await app.inject(`/api/v1/articles?limit=3&page=${last}&count=false`)
  t.same(json(lastPage).meta, { limit: 3, page: last, nextCursor: null }, 'count=false drops total and pageCount')
  t.same(json(lastPage).data.map((a: { slug: string }) => a.slug), published.slice((last - 1) * 3).map((a) => a.slug))
  t.notOk(lastPage.headers.link)
})

t.test('bad list queries are 400 problem+json naming the parameter', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  for (const [query, path] of [
    ['limit=0', '/query/limit'],
    ['limit=101', '/query/limit'],
    ['limit=abc', '/query/limit'],
    ['page=0', '/query/page'],
    ['page=1.5', '/query/page'],
    ['color=red', '/query/color'],
  ] as const) {
    const res = await app.inject(`/api/v1/articles?${query}`)
    t.equal(res.statusCode, 400, query)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    const problem = json(res)
    t.equal(problem.code, 'VALIDATION_FAILED', query)
    t.ok(problem.errors.some((e: { path: string }) => e.path === path), `${query} names ${path}`)
  }
})
