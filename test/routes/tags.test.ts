import t from 'tap'
import { purgeKeysFor } from '../../src/services/cdn.js'
import { buildTestApp, json, tokenHeaders, walk, type TestApp } from '../support/app.js'
import { isProblem } from '../support/assert.js'
import { createArticle, createAuthor } from '../support/factories.js'

type TagCount = { tag: string; count: number }

/** Byte order, as the database compares tags (they are lowercase ASCII here). */
const byTag = (a: TagCount, b: TagCount) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)

/**
 * The articles the tag tests read, oldest first: published ones (ties in counts, several tags
 * starting with c and with city-, transport with and without housing or city-hall, more than
 * ten tags), and a draft and a scheduled one whose own tags must never be counted.
 */
const PUBLISHED: string[][] = [
  ['transport', 'city-hall'],
  ['transport', 'housing'],
  ['transport', 'city-hall', 'budget'],
  ['housing', 'city-hall'],
  ['transport'],
  ['culture', 'cinema'],
  ['sport', 'courts'],
  ['climate', 'city-hall'],
  ['transport', 'housing', 'climate'],
  ['health', 'budget', 'city-council'],
  ['transport', 'culture'],
  ['opinion', 'housing'],
]
const HIDDEN = [
  { state: 'draft', tags: ['transport', 'draft-only'] },
  { state: 'scheduled', tags: ['city-hall', 'scheduled-only'] },
] as const

/** Builds the articles above on an empty database; returns the published ones, newest first. */
async function buildArticles(app: TestApp) {
  const author = await createAuthor(app)
  const published: { slug: string; tags: string[] }[] = []
  for (const [i, tags] of PUBLISHED.entries()) {
    const publishedAt = new Date(Date.UTC(2025, 0, 1 + i, 8)).toISOString()
    published.unshift(await createArticle(app, { authorId: author.id, tags, state: 'published', publishedAt }))
  }
  for (const { state, tags } of HIDDEN) await createArticle(app, { authorId: author.id, tags: [...tags], state })
  return published
}

/** What the tag index must say: the tags of the published articles, counted. */
const publicCounts: TagCount[] = [...new Set(PUBLISHED.flat())].map((tag) => ({
  tag,
  count: PUBLISHED.filter((tags) => tags.includes(tag)).length,
}))
const mostUsedFirst = [...publicCounts].sort((a, b) => b.count - a.count || byTag(a, b))

const tagsOf = (res: { body: string }) => json<{ data: TagCount[] }>(res).data

t.test('GET /tags: the tags of published articles with exact counts, most used first, cacheable', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  await buildArticles(app)
  const res = await app.inject('/api/v1/tags')
  t.equal(res.statusCode, 200)
  t.same(tagsOf(res), mostUsedFirst, 'counts of published articles only; ties in tag order')
  t.same(json(res).meta, { limit: 20, page: 1, nextCursor: null, total: publicCounts.length, pageCount: 1 })
  const hiddenOnly = [...new Set(HIDDEN.flatMap((a) => a.tags))].filter(
    (tag) => !publicCounts.some((c) => c.tag === tag),
  )
  t.same(hiddenOnly, ['draft-only', 'scheduled-only'])
  for (const tag of hiddenOnly)
    t.notOk(
      tagsOf(res).some((c) => c.tag === tag),
      `${tag}: only on drafts or scheduled articles, not listed`,
    )

  t.match(res.headers.etag, /^W\/"/, 'a weak ETag, like every list')
  t.equal(res.headers['surrogate-key'], 'tags', 'one surrogate key, purged when public tags change')
  t.equal(res.headers['cache-tag'], 'tags')
  t.match(res.headers['cache-control'], /^public, max-age=0, s-maxage=\d+/)
  const again = await app.inject({ url: '/api/v1/tags', headers: { 'if-none-match': res.headers.etag as string } })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')

  // A token changes nothing but the caching: the index is always the public view.
  const editor = await tokenHeaders(app, 'editor')
  const asEditor = await app.inject({ url: '/api/v1/tags', headers: editor })
  t.same(tagsOf(asEditor), mostUsedFirst, 'an editor sees the same counts (no drafts)')
  t.equal(asEditor.headers['cache-control'], 'private, no-cache')
  t.notOk(asEditor.headers['surrogate-key'])
  isProblem(
    t,
    await app.inject({ url: '/api/v1/tags', headers: { authorization: 'Bearer bs_not-a-real-token' } }),
    401,
    'UNAUTHORIZED',
  )
})

t.test('GET /tags: sorts, paging by cursor and page, and their refusals', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  await buildArticles(app)
  t.ok(publicCounts.length > 10, 'more tags than two pages of five')
  const alphabetical = [...publicCounts].sort(byTag)
  const leastUsedFirst = [...publicCounts].sort((a, b) => a.count - b.count || byTag(a, b))
  for (const [sort, expected] of [
    ['tag', alphabetical],
    ['-tag', [...alphabetical].reverse()],
    ['-count', mostUsedFirst],
    ['count', leastUsedFirst],
    ['-count,tag', mostUsedFirst],
    ['-count,-tag', [...publicCounts].sort((a, b) => b.count - a.count || byTag(b, a))],
  ] as const) {
    t.same(tagsOf(await app.inject(`/api/v1/tags?sort=${sort}`)), expected, `sort=${sort}`)
    t.same(
      await walk(app, `/api/v1/tags?sort=${encodeURIComponent(sort)}&limit=3`),
      expected,
      `sort=${sort}: cursors visit every tag once, in order`,
    )
  }
  t.same(await walk(app, '/api/v1/tags?limit=1'), mostUsedFirst, 'default order across cursor pages of one')

  const page2 = await app.inject('/api/v1/tags?limit=5&page=2')
  t.same(tagsOf(page2), mostUsedFirst.slice(5, 10))
  t.match(json(page2).meta, {
    limit: 5,
    page: 2,
    total: publicCounts.length,
    pageCount: Math.ceil(publicCounts.length / 5),
  })
  t.equal(page2.headers.link, '</api/v1/tags?limit=5&page=3>; rel="next"', 'page mode links the next page number')
  const noCount = await app.inject('/api/v1/tags?limit=3&count=false')
  t.same(
    Object.keys(json(noCount).meta).sort(),
    ['limit', 'nextCursor', 'page'],
    'count=false drops total and pageCount',
  )
  const past = await app.inject('/api/v1/tags?limit=5&page=100')
  t.same(json(past), {
    data: [],
    meta: {
      limit: 5,
      page: 100,
      nextCursor: null,
      total: publicCounts.length,
      pageCount: Math.ceil(publicCounts.length / 5),
    },
  })

  const cursor = json(await app.inject('/api/v1/tags?limit=2')).meta.nextCursor as string
  const articleCursor = json(await app.inject('/api/v1/articles?limit=1')).meta.nextCursor as string
  for (const [query, path] of [
    ['sort=name', '/query/sort'],
    ['sort=count,count', '/query/sort'],
    ['sort=', null],
    [`cursor=${cursor}&sort=tag`, '/query/cursor'],
    [`cursor=${articleCursor}`, '/query/cursor'],
    [`cursor=${cursor.slice(0, -2)}xx`, '/query/cursor'],
    [`cursor=${cursor}&page=2`, '/query/cursor'],
    ['limit=0', '/query/limit'],
    ['limit=101', '/query/limit'],
    ['q=', '/query/q'],
    [`q=${'a'.repeat(51)}`, '/query/q'],
    ['tag=transport', '/query/tag'],
    ['include=author', '/query/include'],
  ] as const) {
    const res = await app.inject(`/api/v1/tags?${query}`)
    if (path === null) {
      t.equal(res.statusCode, 200, `${query}: the default`)
      continue
    }
    isProblem(t, res, 400, 'VALIDATION_FAILED', path)
  }
})

t.test('GET /tags?q=: a prefix, case-insensitive, with literal wildcards', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  await buildArticles(app)
  const startingWith = (prefix: string) => mostUsedFirst.filter((c) => c.tag.startsWith(prefix))
  t.ok(startingWith('c').length > 1, 'several tags start with c')
  t.ok(startingWith('city-').length > 1, 'several with city-')
  for (const [q, expected] of [
    ['c', startingWith('c')],
    ['C', startingWith('c')],
    ['city-', startingWith('city-')],
    ['city-hall', startingWith('city-hall')],
    ['ity', []],
    ['%', []],
    ['_', []],
    ['c%', []],
    ['city_hall', []],
    ["' OR 1=1 --", []],
    ['\\', []],
  ] as const) {
    const res = await app.inject(`/api/v1/tags?q=${encodeURIComponent(q)}`)
    t.equal(res.statusCode, 200, `q=${q}`)
    t.same(tagsOf(res), expected, `q=${q}`)
    t.equal(json(res).meta.total, expected.length, `q=${q}: the total counts matching tags only`)
  }
  t.same(
    await walk(app, '/api/v1/tags?q=c&limit=1&sort=tag'),
    startingWith('c').sort(byTag),
    'a filtered list pages like any other',
  )
})

t.test('GET /tags follows publication: drafts, scheduled and trashed articles never count', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const author = await createAuthor(app)
  const editor = await tokenHeaders(app, 'editor')
  const countOf = async (tag: string) =>
    tagsOf(await app.inject(`/api/v1/tags?q=${tag}`)).find((c) => c.tag === tag)?.count ?? 0
  const create = async (title: string, tags: string[]) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/articles',
      headers: editor,
      payload: { title, tags, authorId: author.id },
    })
    t.equal(res.statusCode, 201)
    return json(res).id as string
  }
  const act = async (id: string, action: 'publish' | 'unpublish', payload?: object) => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/articles/${id}/${action}`,
      headers: editor,
      ...(payload ? { payload } : {}),
    })
    t.equal(res.statusCode, 200, `${action}`)
  }
  const a = await create('First with the probe tag', ['probe-tag', 'транспорт'])
  const b = await create('Second with the probe tag', ['probe-tag'])
  t.equal(await countOf('probe-tag'), 0, 'drafts do not count')
  await act(a, 'publish')
  t.equal(await countOf('probe-tag'), 1, 'published: counted')
  t.equal(await countOf('транспорт'), 1, 'any letters')
  await act(b, 'publish', { publishAt: new Date(Date.now() + 3_600_000).toISOString() })
  t.equal(await countOf('probe-tag'), 1, 'scheduled: not yet')
  await act(b, 'unpublish')
  await act(b, 'publish')
  t.equal(await countOf('probe-tag'), 2, 'both published')
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/articles/${a}`, headers: editor })).statusCode, 204)
  t.equal(await countOf('probe-tag'), 1, 'trashed: no longer counted')
  t.equal(await countOf('транспорт'), 0, 'a tag only a trashed article had is gone')
  const etag = (await app.inject({ url: `/api/v1/articles/${b}`, headers: editor })).headers.etag as string
  const retag = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${b}`,
    headers: { ...editor, 'if-match': etag },
    payload: { tags: ['other-probe'] },
  })
  t.equal(retag.statusCode, 200)
  t.equal(await countOf('probe-tag'), 0, 'retagged: the old tag is gone')
  t.equal(await countOf('other-probe'), 1, 'and the new one counted')
})

t.test('an article change purges the tag index exactly when public tags change', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const author = await createAuthor(app)
  const editor = await tokenHeaders(app, 'editor')
  const lastEvent = async (id: string) => {
    const event = await app.db.prisma.outboxEvent.findFirst({ where: { articleId: id }, orderBy: { position: 'desc' } })
    return purgeKeysFor({ type: event!.type, data: event!.data as Record<string, unknown> })
  }
  const edit = async (id: string, payload: object) => {
    const etag = (await app.inject({ url: `/api/v1/articles/${id}`, headers: editor })).headers.etag as string
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/v1/articles/${id}`,
      headers: { ...editor, 'if-match': etag },
      payload,
    })
    t.equal(res.statusCode, 200)
  }
  const post = async (id: string, action: string) =>
    t.equal(
      (await app.inject({ method: 'POST', url: `/api/v1/articles/${id}/${action}`, headers: editor })).statusCode,
      200,
      action,
    )

  const tagged = json(
    await app.inject({
      method: 'POST',
      url: '/api/v1/articles',
      headers: editor,
      payload: { title: 'Tagged', tags: ['alpha'], authorId: author.id },
    }),
  ).id
  t.notOk((await lastEvent(tagged)).includes('tags'), 'a new draft: nothing public changed')
  await edit(tagged, { tags: ['alpha', 'beta'] })
  t.notOk((await lastEvent(tagged)).includes('tags'), 'retagging a draft: nothing public changed')
  await post(tagged, 'publish')
  t.ok((await lastEvent(tagged)).includes('tags'), 'a tagged article going live')
  await edit(tagged, { title: 'Tagged, retitled' })
  t.notOk((await lastEvent(tagged)).includes('tags'), 'a live edit that keeps the tags')
  await edit(tagged, { tags: ['alpha', 'beta', 'gamma'] })
  t.same(
    (await lastEvent(tagged)).filter((k) => k.startsWith('tag')),
    ['tag-gamma', 'tags'],
    'a live article joining a tag',
  )
  await edit(tagged, { tags: ['alpha'] })
  t.ok((await lastEvent(tagged)).includes('tags'), 'a live article leaving tags')
  await post(tagged, 'unpublish')
  t.ok((await lastEvent(tagged)).includes('tags'), 'a tagged article going off line')
  await post(tagged, 'publish')
  t.equal(
    (
      await app.inject({
        method: 'DELETE',
        url: `/api/v1/articles/${tagged}?permanent=true`,
        headers: await tokenHeaders(app, 'admin'),
      })
    ).statusCode,
    204,
  )
  t.ok((await lastEvent(tagged)).includes('tags'), 'a live tagged article destroyed')

  const untagged = json(
    await app.inject({
      method: 'POST',
      url: '/api/v1/articles',
      headers: editor,
      payload: { title: 'Untagged', authorId: author.id },
    }),
  ).id
  await post(untagged, 'publish')
  t.notOk((await lastEvent(untagged)).includes('tags'), 'an untagged article going live changes no count')
})

t.test('GET /articles: tag repeated means every given tag', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const newestFirst = await buildArticles(app)
  const having = (...tags: string[]) =>
    newestFirst.filter((a) => tags.every((tag) => a.tags.includes(tag))).map((a) => a.slug)
  const slugs = (res: { body: string }) => json<{ data: { slug: string }[] }>(res).data.map((a) => a.slug)
  const pair = having('transport', 'housing')
  t.ok(
    pair.length > 0 && pair.length < having('transport').length && pair.length < having('housing').length,
    'the articles tell them apart',
  )

  t.same(slugs(await app.inject('/api/v1/articles?tag=transport')), having('transport'), 'one tag, as before')
  const both = await app.inject('/api/v1/articles?tag=transport&tag=housing')
  t.equal(both.statusCode, 200)
  t.same(slugs(both), pair, 'articles having both')
  t.equal(json(both).meta.total, pair.length, 'the total counts them')
  t.same(slugs(await app.inject('/api/v1/articles?tag=housing&tag=transport')), pair, 'in any order')
  t.same(
    slugs(await app.inject('/api/v1/articles?tag=transport&tag=city-hall')),
    having('transport', 'city-hall'),
    'the example of the API notes',
  )
  t.same(
    slugs(await app.inject('/api/v1/articles?tag=transport&tag=transport')),
    having('transport'),
    'a repeated tag is one tag',
  )
  t.same(slugs(await app.inject('/api/v1/articles?tag=transport&tag=sport')), [], 'no article has both: empty')
  t.same(slugs(await app.inject('/api/v1/articles?tag=transport&tag=no-such-tag')), [], 'an unknown tag: nothing')
  const keys = String(both.headers['surrogate-key']).split(' ')
  t.same(keys.slice(0, 3), ['articles', 'tag-transport', 'tag-housing'], 'each tag is a surrogate key')

  const walked = (await walk<{ slug: string }>(app, '/api/v1/articles?tag=transport&tag=city-hall&limit=1')).map(
    (a) => a.slug,
  )
  t.ok(walked.length > 1)
  t.same(walked, having('transport', 'city-hall'), 'cursor pages keep both tags (Link repeats them)')
  const cursor = json(await app.inject('/api/v1/articles?tag=transport&limit=1')).meta.nextCursor as string
  t.same(
    slugs(await app.inject(`/api/v1/articles?tag=transport&limit=5&cursor=${cursor}`)),
    having('transport').slice(1, 6),
    'single-tag cursors as before',
  )

  const eleven = Array.from({ length: 11 }, (_, i) => `tag=t${i}`).join('&')
  isProblem(t, await app.inject(`/api/v1/articles?${eleven}`), 400, 'VALIDATION_FAILED', '/query/tag')
  const ten = Array.from({ length: 10 }, (_, i) => `tag=t${i}`).join('&')
  t.equal((await app.inject(`/api/v1/articles?${ten}`)).statusCode, 200, 'ten tags are fine')
  isProblem(t, await app.inject('/api/v1/articles?tag='), 400, 'VALIDATION_FAILED', '/query/tag/0')
  isProblem(
    t,
    await app.inject(`/api/v1/articles?tag=transport&tag=${'x'.repeat(51)}`),
    400,
    'VALIDATION_FAILED',
    '/query/tag/1',
  )
})
