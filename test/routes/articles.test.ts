import t from 'tap'
import type { Article } from '../../src/schemas/article.js'
import type { Author } from '../../src/schemas/author.js'
import { buildTestApp, callers, json, snapshot, tokenHeaders, walk, type Caller, type TestApp } from '../support/app.js'
import { createArticle, createAuthor, createComment } from '../support/factories.js'

type Row = { slug: string; [key: string]: unknown }

/**
 * The published articles the list tests read, newest first: distinct titles (one word each
 * that no other title has), tags, three authors taking turns, and 0 to 3 approved comments.
 */
const PUBLISHED = [
  { title: 'Riverside tram line opens three years late', tags: ['transport', 'city-hall'], comments: 3 },
  { title: 'Harbour club wins the derby after extra time', tags: ['sport'], comments: 1 },
  { title: 'Bakery on Dock Lane changes hands', tags: ['business', 'harbour'], comments: 2 },
  { title: 'Summer nights stopped cooling down', tags: ['climate'], comments: 0 },
  { title: 'Poets read in eleven languages', tags: ['culture', 'transport'], comments: 1 },
  { title: 'Council budget: where the money goes', tags: ['city-hall', 'budget'], comments: 3 },
  { title: 'Cinema turns one hundred', tags: ['culture'], comments: 0 },
  { title: 'Hospital waiting times, explained', tags: ['health'], comments: 2 },
]

interface Newsroom {
  authors: Author[]
  /** Newest first. */
  published: Article[]
  /** Two drafts by different authors. */
  drafts: Article[]
  scheduled: Article
}

async function buildNewsroom(app: TestApp): Promise<Newsroom> {
  const authors = [
    await createAuthor(app, { avatarUrl: 'https://images.example.org/ana.jpg' }),
    await createAuthor(app),
    await createAuthor(app),
  ]
  const published: Article[] = []
  for (const [i, { title, tags, comments }] of PUBLISHED.entries()) {
    const publishedAt = new Date(Date.UTC(2025, 5, 30 - i, 7)).toISOString()
    const article = await createArticle(app, {
      state: 'published',
      publishedAt,
      title,
      tags,
      authorId: authors[i % 3]!.id,
      body: `# ${title}\n\nA paragraph with *emphasis*, a [link](https://example.org) and a list:\n\n- one\n- two\n`,
    })
    for (let c = 0; c < comments; c++) await createComment(app, article, { status: 'approved' })
    published.push({ ...article, commentCount: comments })
  }
  const drafts = [
    await createArticle(app, { title: 'Marathon organisers weigh a cooler start', authorId: authors[0]!.id }),
    await createArticle(app, { title: 'Opinion: smart city, watched city', authorId: authors[1]!.id }),
  ]
  const scheduled = await createArticle(app, {
    state: 'scheduled',
    title: 'Winter lights: a guide to the twelve nights',
    authorId: authors[2]!.id,
  })
  return { authors, published, drafts, scheduled }
}

const slugs = (res: { body: string }) => json<{ data: Row[] }>(res).data.map((a) => a.slug)

t.test('public list: published articles only, newest first, public fields only', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { published } = await buildNewsroom(app)
  const res = await app.inject('/api/v1/articles')
  t.equal(res.statusCode, 200)
  t.same(
    slugs(res),
    published.map((a) => a.slug),
  )
  t.same(json(res).meta, { limit: 20, page: 1, nextCursor: null, total: published.length, pageCount: 1 })
  t.match(res.headers.etag, /^W\/"/, 'lists carry a weak ETag')
  t.equal(res.headers.vary, 'Authorization')
  const first = json(res).data[0]
  t.same(Object.keys(first).sort(), [
    'authorId',
    'body',
    'commentCount',
    'coverImageId',
    'createdAt',
    'excerpt',
    'id',
    'publishedAt',
    'slug',
    'status',
    'tags',
    'title',
    'updatedAt',
  ])
  t.equal(first.body, published[0]!.body, 'Markdown body byte-exact')
  t.equal(first.status, 'published')
  t.notMatch(res.body, /@example\./, 'no email address')
  const notModified = await app.inject({
    url: '/api/v1/articles',
    headers: { 'if-none-match': res.headers.etag as string },
  })
  t.equal(notModified.statusCode, 304)
  t.equal(notModified.body, '')
})

t.test('paging: page numbers, cursors, count=false, and their errors', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { published } = await buildNewsroom(app)
  const page1 = await app.inject('/api/v1/articles?limit=3&page=1')
  t.same(
    slugs(page1),
    published.slice(0, 3).map((a) => a.slug),
  )
  t.match(json(page1).meta, { limit: 3, page: 1, total: published.length, pageCount: Math.ceil(published.length / 3) })
  t.equal(page1.headers.link, '</api/v1/articles?limit=3&page=2>; rel="next"', 'page mode links the next page number')

  const walked = await walk(app, '/api/v1/articles?limit=3')
  t.same(
    walked.map((a) => a.slug),
    published.map((a) => a.slug),
    'cursors visit every article once, in order',
  )

  const noCount = await app.inject('/api/v1/articles?limit=3&count=false')
  t.same(
    Object.keys(json(noCount).meta).sort(),
    ['limit', 'nextCursor', 'page'],
    'count=false drops total and pageCount',
  )

  const cursor = json(page1).meta.nextCursor as string
  for (const [query, path] of [
    [`page=2&cursor=${cursor}`, '/query/cursor'],
    [`cursor=${cursor.slice(0, -2)}xx`, '/query/cursor'],
    [`cursor=${Buffer.from('{"s":"-publishedAt,-id","v":[null,"x"]}').toString('base64url')}.AAAA`, '/query/cursor'],
    [`cursor=${cursor}&sort=title`, '/query/cursor'],
    ['limit=0', '/query/limit'],
    ['limit=101', '/query/limit'],
    ['limit=-5', '/query/limit'],
    ['limit=2.5', '/query/limit'],
    ['page=0', '/query/page'],
    ['count=maybe', '/query/count'],
  ] as const) {
    const res = await app.inject(`/api/v1/articles?${query}`)
    t.equal(res.statusCode, 400, query)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.ok(
      json(res).errors?.some((e: { path: string }) => e.path === path),
      `${query}: error at ${path}`,
    )
  }
})

t.test('sorting: allowlisted fields only', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { published } = await buildNewsroom(app)
  const byTitle = await app.inject('/api/v1/articles?sort=title')
  const titles = json<{ data: { title: string }[] }>(byTitle).data.map((a) => a.title)
  t.same(
    titles,
    [...titles].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    'title ascending (byte order)',
  )

  const walked = await walk(app, '/api/v1/articles?sort=-commentCount,title&limit=4')
  const counts = walked.map((a) => a.commentCount as number)
  t.same(
    counts,
    [...counts].sort((a, b) => b - a),
    'commentCount descending across cursor pages',
  )
  t.equal(walked.length, published.length)

  for (const field of ['email', 'authorEmail', 'body', 'search_vector', 'published_at', '-', 'title,title']) {
    const res = await app.inject(`/api/v1/articles?sort=${encodeURIComponent(field)}`)
    t.equal(res.statusCode, 400, `sort=${field}`)
    t.equal(json(res).errors[0].path, '/query/sort')
  }
  const bad = await app.inject('/api/v1/articles?sort=email')
  t.match(json(bad).errors[0].message, /"email"/, 'names the offending field')
})

t.test('filters: tag, author, dates, unknown parameters', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { published, authors } = await buildNewsroom(app)
  const tag = published[0]!.tags[0]!
  const tagged = await app.inject(`/api/v1/articles?tag=${tag}`)
  t.same(
    slugs(tagged),
    published.filter((a) => a.tags.includes(tag)).map((a) => a.slug),
  )

  const author = authors[0]!
  const expected = published.filter((a) => a.authorId === author.id).map((a) => a.slug)
  t.ok(expected.length > 1 && expected.length < published.length)
  t.same(slugs(await app.inject(`/api/v1/articles?author=${author.slug}`)), expected, 'author by slug')
  t.same(slugs(await app.inject(`/api/v1/articles?author=${author.id}`)), expected, 'author by id')
  t.same(slugs(await app.inject('/api/v1/articles?author=nobody-at-all')), [], 'unknown author: empty list')

  const mid = published[4]!.publishedAt!
  t.same(
    slugs(await app.inject(`/api/v1/articles?publishedBefore=${mid}`)),
    published.slice(5).map((a) => a.slug),
  )
  t.same(
    slugs(await app.inject(`/api/v1/articles?publishedAfter=${mid}`)),
    published.slice(0, 4).map((a) => a.slug),
  )

  for (const query of [
    'authorEmail=x',
    'email=a@b.c',
    'filter[title]=x',
    'include=comments',
    'include=author,email',
    'publishedAfter=yesterday',
  ]) {
    const res = await app.inject(`/api/v1/articles?${query}`)
    t.equal(res.statusCode, 400, query)
  }
  const unknown = await app.inject('/api/v1/articles?authorEmail=x')
  t.equal(json(unknown).errors[0].path, '/query/authorEmail')
})

t.test('full-text search: ranked, literal wildcards, published only', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { published, drafts } = await buildNewsroom(app)
  const target = published[2]!
  const word = target.title.split(/\s+/).find((w) => /^[A-Za-z]{6,}$/.test(w))!
  const res = await app.inject(`/api/v1/articles?q=${encodeURIComponent(word)}`)
  t.equal(res.statusCode, 200)
  t.ok(slugs(res).includes(target.slug), `"${word}" finds ${target.slug}`)
  t.equal(slugs(res)[0], target.slug, 'a title match ranks first')
  const walked = await walk(app, `/api/v1/articles?q=${encodeURIComponent(word)}&limit=1`)
  t.same(
    walked.map((a) => a.slug),
    slugs(res),
    'relevance order is stable across cursor pages',
  )

  for (const q of ['%', '_', '%25', 'a%b_c', "' OR 1=1 --", '\\']) {
    const r = await app.inject(`/api/v1/articles?q=${encodeURIComponent(q)}`)
    t.equal(r.statusCode, 200, `q=${q}`)
    t.same(json(r).data, [], `q=${q} is literal and matches nothing`)
  }
  const draftWord = drafts[0]!.title.split(/\s+/).find((w) => /^[A-Za-z]{6,}$/.test(w))!
  const draftSearch = await app.inject(`/api/v1/articles?q=${encodeURIComponent(draftWord)}`)
  t.notOk(slugs(draftSearch).includes(drafts[0]!.slug), 'drafts are not searchable anonymously')
})

t.test('include=author embeds the public author summary', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { authors } = await buildNewsroom(app)
  const res = await app.inject('/api/v1/articles?include=author&limit=2')
  const [first] = json(res).data
  const author = authors.find((a) => a.id === first.authorId)!
  t.ok(author.avatarUrl, 'an author with an avatar')
  t.same(first.author, { id: first.authorId, slug: author.slug, name: author.name, avatarUrl: author.avatarUrl })
  t.notMatch(res.body, /@example\./)
  const single = await app.inject(`/api/v1/articles/${first.slug}?include=author`)
  t.same(json(single).author, first.author)
  t.equal((await app.inject(`/api/v1/articles/${first.slug}?include=email`)).statusCode, 400)
})

t.test('single article: by id or slug; drafts and scheduled are private', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { published, drafts, scheduled } = await buildNewsroom(app)
  const ownAuthorId = drafts[0]!.authorId
  const who = await callers(app, ownAuthorId, drafts[1]!.authorId)

  const pub = published[0]!
  const byId = await app.inject(`/api/v1/articles/${pub.id}`)
  const bySlug = await app.inject(`/api/v1/articles/${pub.slug}`)
  t.equal(byId.statusCode, 200)
  t.equal(byId.body, bySlug.body, 'same article by id and by slug')
  t.match(byId.headers.etag, /^"\d+-[\w-]{16}"$/, 'strong ETag')
  t.equal(
    (
      await app.inject({
        url: `/api/v1/articles/${pub.slug}`,
        headers: { 'if-none-match': byId.headers.etag as string },
      })
    ).statusCode,
    304,
  )

  const unknown = await app.inject('/api/v1/articles/no-such-article')
  for (const hidden of [drafts[0]!, scheduled]) {
    for (const key of [hidden.slug, hidden.id]) {
      const res = await app.inject(`/api/v1/articles/${key}`)
      t.equal(res.statusCode, 404, `anonymous: ${key} is 404`)
      t.same(
        { ...json(res), instance: null },
        { ...json(unknown), instance: null },
        'indistinguishable from an unknown article',
      )
    }
  }
  const draftUrl = `/api/v1/articles/${drafts[0]!.slug}`
  const expectations: Record<Caller, number> = {
    anonymous: 404,
    viewer: 200,
    authorOwn: 200,
    authorOther: 404,
    editor: 200,
    admin: 200,
  }
  for (const [caller, status] of Object.entries(expectations)) {
    const res = await app.inject({ url: draftUrl, headers: who[caller as Caller] })
    t.equal(res.statusCode, status, `${caller} reading a draft`)
    if (status === 200) t.equal(json(res).status, 'draft')
  }
  const sched = await app.inject({ url: `/api/v1/articles/${scheduled.slug}`, headers: who.viewer })
  t.equal(json(sched).status, 'scheduled')
  t.ok(Date.parse(json(sched).publishedAt) > Date.now(), 'scheduled: publishedAt in the future')

  const listAsViewer = await app.inject({ url: '/api/v1/articles?status=draft', headers: who.viewer })
  t.same(slugs(listAsViewer).sort(), drafts.map((a) => a.slug).sort(), 'status=draft for a token')
  const listAsOwn = await app.inject({ url: '/api/v1/articles?status=draft', headers: who.authorOwn })
  t.same(
    slugs(listAsOwn).sort(),
    drafts
      .filter((a) => a.authorId === ownAuthorId)
      .map((a) => a.slug)
      .sort(),
    'an author sees only its own drafts',
  )
  const anonStatus = await app.inject('/api/v1/articles?status=draft')
  t.equal(anonStatus.statusCode, 401, 'status filter needs a token')
})

t.test('create: roles, ownership, slugs, server-owned fields', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const own = (await createAuthor(app)).id
  const other = (await createAuthor(app)).id
  const who = await callers(app, own, other)

  const expectations: [Caller, Record<string, unknown>, number][] = [
    ['anonymous', { title: 'A', authorId: own }, 401],
    ['viewer', { title: 'A', authorId: own }, 403],
    ['authorOther', { title: 'A', authorId: own }, 403],
    ['editor', { title: 'A' }, 400],
    ['editor', { title: 'A', authorId: '00000000-0000-4000-8000-000000000000' }, 400],
  ]
  for (const [caller, payload, status] of expectations) {
    const before = await snapshot(app)
    const res = await app.inject({ method: 'POST', url: '/api/v1/articles', headers: who[caller], payload })
    t.equal(res.statusCode, status, `${caller} ${JSON.stringify(payload)}`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.same(await snapshot(app), before, `${caller}: nothing written`)
  }

  const mine = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    headers: who.authorOwn,
    payload: { title: 'Minsk: a tale of 2 rallies' },
  })
  t.equal(mine.statusCode, 201)
  t.match(json(mine), {
    slug: 'minsk-a-tale-of-2-rallies',
    status: 'draft',
    authorId: own,
    publishedAt: null,
    commentCount: 0,
    tags: [],
  })
  t.equal(mine.headers.location, `/api/v1/articles/${json(mine).id}`)
  t.match(mine.headers.etag, /^"1-/)

  const again = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    headers: who.editor,
    payload: { title: 'Minsk: a tale of 2 rallies', authorId: other },
  })
  t.equal(json(again).slug, 'minsk-a-tale-of-2-rallies-2')
  const third = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    headers: who.admin,
    payload: { title: 'Minsk — a tale of 2 rallies!', authorId: other },
  })
  t.equal(json(third).slug, 'minsk-a-tale-of-2-rallies-3')
  const translit = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    headers: who.editor,
    payload: { title: 'Zürich’s “Grüße” & Łódź', authorId: other },
  })
  t.equal(json(translit).slug, 'zurichs-grusse-and-lodz')

  const dup = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    headers: who.editor,
    payload: { title: 'X', slug: 'minsk-a-tale-of-2-rallies', authorId: own },
  })
  t.equal(dup.statusCode, 409)
  t.equal(json(dup).code, 'SLUG_TAKEN')

  const text =
    'Quotes “curly” ‘single’ — dash – en… emoji 🗞️👩🏽‍💻, RTL: مرحبا بالعالم, עִברִית, combining: e\u0301, NBSP:\u00a0end'
  const exact = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    headers: who.editor,
    payload: { title: text, body: text, excerpt: text, tags: ['città', 'kraków'], authorId: own },
  })
  t.equal(exact.statusCode, 201)
  const read = await app.inject({ url: `/api/v1/articles/${json(exact).id}`, headers: who.editor })
  t.equal(json(read).title, text, 'title byte-exact')
  t.equal(json(read).body, text, 'body byte-exact')
  t.same(json(read).tags, ['città', 'kraków'])

  for (const field of ['id', 'status', 'commentCount', 'createdAt', 'updatedAt', 'publishedAt', 'version']) {
    const before = await snapshot(app)
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/articles',
      headers: who.editor,
      payload: { title: 'Mass', authorId: own, [field]: field === 'commentCount' || field === 'version' ? 99 : 'x' },
    })
    t.equal(res.statusCode, 400, `${field} cannot be written`)
    t.ok(
      json(res).errors.some((e: { path: string }) => e.path === `/body/${field}`),
      `names /body/${field}`,
    )
    t.same(await snapshot(app), before)
  }
  for (const [payload, path] of [
    [{ title: '', authorId: own }, '/body/title'],
    [{ authorId: own }, '/body/title'],
    [{ title: 5, authorId: own }, '/body/title'],
    [{ title: 'x', slug: 'Not A Slug', authorId: own }, '/body/slug'],
    [{ title: 'x', slug: '123e4567-e89b-42d3-a456-426614174000', authorId: own }, '/body/slug'],
    [{ title: 'x', tags: ['UPPER'], authorId: own }, '/body/tags/0'],
    [{ title: 'x', tags: 'news', authorId: own }, '/body/tags'],
    [{ title: 'x'.repeat(301), authorId: own }, '/body/title'],
  ] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/articles', headers: who.editor, payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 60))
    t.ok(
      json(res).errors.some((e: { path: string }) => e.path === path),
      `error at ${path}`,
    )
  }
  const all = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    headers: who.editor,
    payload: { title: 7, slug: 'BAD', color: 'red' },
  })
  t.same(
    json(all)
      .errors.map((e: { path: string }) => e.path)
      .sort(),
    ['/body/color', '/body/slug', '/body/title'],
    'every bad field is listed at once',
  )
})

t.test('update and delete: roles, If-Match, atomic preconditions', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { published, drafts } = await buildNewsroom(app)
  const own = drafts[0]!.authorId
  const other = drafts[1]!.authorId
  const who = await callers(app, own, other)
  const ownDraft = drafts[0]!.id
  const othersPublished = published.find((a) => a.authorId !== own)!.id

  const etagOf = async (id: string) =>
    (await app.inject({ url: `/api/v1/articles/${id}`, headers: who.admin })).headers.etag as string

  const matrix: [Caller, string, number][] = [
    ['anonymous', ownDraft, 401],
    ['viewer', ownDraft, 403],
    ['authorOther', ownDraft, 404],
    ['authorOwn', othersPublished, 403],
  ]
  for (const [caller, id, status] of matrix) {
    const before = await snapshot(app)
    const headers = { ...who[caller], 'if-match': await etagOf(id) }
    const patch = await app.inject({
      method: 'PATCH',
      url: `/api/v1/articles/${id}`,
      headers,
      payload: { title: 'Hijacked' },
    })
    t.equal(patch.statusCode, status, `${caller} PATCH`)
    const del = await app.inject({ method: 'DELETE', url: `/api/v1/articles/${id}`, headers })
    t.equal(del.statusCode, status, `${caller} DELETE`)
    for (const action of ['publish', 'unpublish']) {
      const res = await app.inject({ method: 'POST', url: `/api/v1/articles/${id}/${action}`, headers: who[caller] })
      t.equal(res.statusCode, status, `${caller} ${action}`)
    }
    t.same(await snapshot(app), before, `${caller}: nothing written`)
  }

  const noMatch = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${ownDraft}`,
    headers: who.authorOwn,
    payload: { title: 'T' },
  })
  t.equal(noMatch.statusCode, 428)
  t.equal(json(noMatch).code, 'PRECONDITION_REQUIRED')
  const garbage = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${ownDraft}`,
    headers: { ...who.authorOwn, 'if-match': '"nonsense"' },
    payload: { title: 'T' },
  })
  t.equal(garbage.statusCode, 412)

  const etag = await etagOf(ownDraft)
  const ok = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${ownDraft}`,
    headers: { ...who.authorOwn, 'if-match': etag },
    payload: { title: 'Own edit', tags: ['housing'] },
  })
  t.equal(ok.statusCode, 200)
  t.match(json(ok), { title: 'Own edit', tags: ['housing'], status: 'draft' })
  t.not(ok.headers.etag, etag, 'new ETag after a write')
  const stale = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${ownDraft}`,
    headers: { ...who.editor, 'if-match': etag },
    payload: { title: 'Lost update' },
  })
  t.equal(stale.statusCode, 412)
  t.equal(json(stale).code, 'PRECONDITION_FAILED')
  t.equal(
    json(await app.inject({ url: `/api/v1/articles/${ownDraft}`, headers: who.editor })).title,
    'Own edit',
    'the stale write changed nothing',
  )

  const steal = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${ownDraft}`,
    headers: { ...who.authorOwn, 'if-match': ok.headers.etag as string },
    payload: { authorId: other },
  })
  t.equal(steal.statusCode, 403, 'an author cannot hand an article to someone else')

  const slugClash = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${ownDraft}`,
    headers: { ...who.editor, 'if-match': ok.headers.etag as string },
    payload: { slug: published[0]!.slug },
  })
  t.equal(slugClash.statusCode, 409)
  t.equal(json(slugClash).code, 'SLUG_TAKEN')
  const empty = await app.inject({
    method: 'PATCH',
    url: `/api/v1/articles/${ownDraft}`,
    headers: { ...who.editor, 'if-match': ok.headers.etag as string },
    payload: {},
  })
  t.equal(empty.statusCode, 400)

  // Two editors saving with the same ETag: exactly one wins, every time.
  for (let round = 0; round < 8; round++) {
    const current = await etagOf(ownDraft)
    const results = await Promise.all(
      ['A', 'B'].map((who2) =>
        app.inject({
          method: 'PATCH',
          url: `/api/v1/articles/${ownDraft}`,
          headers: { ...who.editor, 'if-match': current },
          payload: { title: `Round ${round} ${who2}` },
        }),
      ),
    )
    t.same(results.map((r) => r.statusCode).sort(), [200, 412], `round ${round}: one 200, one 412`)
  }

  const delStale = await app.inject({
    method: 'DELETE',
    url: `/api/v1/articles/${ownDraft}`,
    headers: { ...who.authorOwn, 'if-match': etag },
  })
  t.equal(delStale.statusCode, 412)
  const del = await app.inject({
    method: 'DELETE',
    url: `/api/v1/articles/${ownDraft}`,
    headers: { ...who.authorOwn, 'if-match': await etagOf(ownDraft) },
  })
  t.equal(del.statusCode, 204)
  t.equal(del.body, '')
  t.equal(
    (await app.inject({ method: 'DELETE', url: `/api/v1/articles/${ownDraft}`, headers: who.editor })).statusCode,
    404,
    'in the trash: gone for DELETE too',
  )
  const trashed = await app.db.prisma.article.findUnique({ where: { id: ownDraft } })
  t.ok(trashed?.trashedAt, 'DELETE moved it to the trash, it did not destroy it')
  // Destroying is for admins, and takes the comments with it.
  const withComments = published[0]!.id
  const comments = await app.db.prisma.comment.count({ where: { articleId: withComments } })
  t.ok(comments > 0)
  for (const role of ['authorOwn', 'editor'] as const) {
    const res = await app.inject({
      method: 'DELETE',
      url: `/api/v1/articles/${withComments}?permanent=true`,
      headers: who[role],
    })
    t.equal(res.statusCode, 403, `${role}: only admins destroy`)
  }
  t.equal(
    await app.db.prisma.comment.count({ where: { articleId: withComments } }),
    comments,
    'refused: nothing destroyed',
  )
  t.equal(
    (await app.inject({ method: 'DELETE', url: `/api/v1/articles/${withComments}?permanent=true`, headers: who.admin }))
      .statusCode,
    204,
  )
  t.equal(await app.db.prisma.article.count({ where: { id: withComments } }), 0, 'destroyed')
  t.equal(
    await app.db.prisma.comment.count({ where: { articleId: withComments } }),
    0,
    "an article's comments go with it",
  )
  t.equal(await app.db.prisma.articleRevision.count({ where: { articleId: withComments } }), 0, 'and its revisions')
  t.equal(
    (await app.inject({ method: 'DELETE', url: `/api/v1/articles/${ownDraft}?permanent=true`, headers: who.admin }))
      .statusCode,
    204,
    'an admin destroys a trashed one too',
  )
  t.equal(await app.db.prisma.article.count({ where: { id: ownDraft } }), 0)
})

t.test('publish now, schedule, go live by itself, unpublish', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const author = await app.db.prisma.author.create({ data: { slug: 'ana', name: 'Ana' } })
  const editor = await tokenHeaders(app, 'editor')
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/articles',
    headers: editor,
    payload: { title: 'Going live', authorId: author.id },
  })
  const id = json(created).id as string
  const list = async () => slugs(await app.inject('/api/v1/articles'))

  t.same(await list(), [], 'a draft is not listed')
  const now = await app.inject({ method: 'POST', url: `/api/v1/articles/${id}/publish`, headers: editor })
  t.equal(now.statusCode, 200)
  t.equal(json(now).status, 'published')
  t.ok(Math.abs(Date.parse(json(now).publishedAt) - Date.now()) < 5000, 'published just now')
  t.same(await list(), ['going-live'])
  const twice = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${id}/publish`,
    headers: editor,
    payload: {},
  })
  t.equal(json(twice).publishedAt, json(now).publishedAt, 'publishing again keeps the original time')

  const off = await app.inject({ method: 'POST', url: `/api/v1/articles/${id}/unpublish`, headers: editor })
  t.match(json(off), { status: 'draft', publishedAt: null })
  t.same(await list(), [])
  t.equal((await app.inject(`/api/v1/articles/${id}`)).statusCode, 404)

  const at = new Date(Date.now() + 1500).toISOString()
  const sched = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${id}/publish`,
    headers: editor,
    payload: { publishAt: at },
  })
  t.match(json(sched), { status: 'scheduled', publishedAt: at })
  t.same(await list(), [], 'scheduled: not yet visible')
  t.equal((await app.inject('/api/v1/articles/going-live')).statusCode, 404)
  await new Promise((resolve) => setTimeout(resolve, 1700))
  t.same(await list(), ['going-live'], 'visible by itself once the time has come, no job needed')
  t.equal(json(await app.inject('/api/v1/articles/going-live')).status, 'published')

  for (const payload of [{ publishAt: 'tomorrow' }, { publishAt: at, status: 'published' }]) {
    const res = await app.inject({ method: 'POST', url: `/api/v1/articles/${id}/publish`, headers: editor, payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
  }
})
