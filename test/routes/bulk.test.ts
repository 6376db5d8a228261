import t from 'tap'
import { buildTestApp, commentCount, json, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { isProblem, state, unchanged } from '../support/assert.js'
import { createArticle, createAuthor, createComment, UNKNOWN_UUID } from '../support/factories.js'

/**
 * Bulk actions: each item obeys the rules, roles and revisions of its single-item route and
 * reports the status it would have had alone, in request order; `atomic: true` is all or
 * nothing; the whole request honours Idempotency-Key.
 */

async function createArticles(
  app: TestApp,
  headers: Headers,
  authorId: string,
  n: number,
  prefix: string,
): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/articles',
      headers,
      payload: { title: `${prefix} ${i}`, authorId, tags: ['bulk'] },
    })
    if (res.statusCode !== 201) throw new Error(res.body)
    ids.push(json(res).id)
  }
  return ids
}

const bulk = (app: TestApp, headers: Headers, payload: object, extra: Headers = {}) =>
  app.inject({ method: 'POST', url: '/api/v1/articles/bulk', headers: { ...headers, ...extra }, payload })

t.test('100 articles, mixed permissions: per-item results in request order; atomic changes nothing', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const [mine, other] = [await createAuthor(app), await createAuthor(app)]
  const editor = await tokenHeaders(app, 'editor')
  const author = await tokenHeaders(app, 'author', mine.id)
  const own = await createArticles(app, editor, mine.id, 40, 'Own draft')
  const othersDrafts = await createArticles(app, editor, other.id, 30, 'Other draft')
  const othersLive = await createArticles(app, editor, other.id, 30, 'Other live')
  const published = await bulk(app, editor, { action: 'publish', ids: othersLive })
  t.equal(published.statusCode, 200)
  t.ok(
    json(published).results.every((r: { status: number }) => r.status === 200),
    'an editor publishes any 30',
  )

  // Interleave the three kinds so order matters.
  const ids: string[] = []
  for (let i = 0; i < 40; i++) {
    ids.push(own[i]!)
    if (i < 30) ids.push(i % 2 === 0 ? othersDrafts[i]! : othersLive[i]!)
    if (i < 30) ids.push(i % 2 === 0 ? othersLive[i]! : othersDrafts[i]!)
  }
  t.equal(ids.length, 100)
  const expected = ids.map((id) => (own.includes(id) ? 200 : othersDrafts.includes(id) ? 404 : 403))

  // Atomic first: one forbidden item and nothing changes, in any table.
  const before = await state(app)
  const aborted = await bulk(app, author, { action: 'publish', ids, atomic: true })
  const problem = isProblem(t, aborted, 409, 'BULK_ABORTED')
  t.same(
    problem.results.map((r: { id: string }) => r.id),
    ids,
    'the results carry every id, in request order',
  )
  t.same(
    problem.results.map((r: { status: number }) => r.status),
    expected,
    'each with the status it would have had',
  )
  await unchanged(t, app, before, 'atomic with a forbidden item: every table as before (articles, revisions, …)')
  const oneForbidden = await bulk(app, author, {
    action: 'publish',
    ids: [...own.slice(0, 5), othersLive[0]!],
    atomic: true,
  })
  isProblem(t, oneForbidden, 409, 'BULK_ABORTED')
  await unchanged(t, app, before, 'five allowed and one forbidden item, atomic: nothing changed')

  // Not atomic: each item on its own.
  const res = await bulk(app, author, { action: 'publish', ids })
  t.equal(res.statusCode, 200)
  const { results } = json(res)
  t.same(
    results.map((r: { id: string }) => r.id),
    ids,
    'in request order',
  )
  t.same(
    results.map((r: { status: number }) => r.status),
    expected,
    "own drafts 200, others' drafts 404 (hidden), others' live ones 403",
  )
  for (const r of results as { status: number; problem?: { code: string; status: number } }[]) {
    if (r.status === 200) t.notOk(r.problem)
    else t.same([r.problem?.status, r.problem?.code], [r.status, r.status === 404 ? 'NOT_FOUND' : 'FORBIDDEN'])
  }
  const rows = await app.db.prisma.article.findMany({ where: { id: { in: ids } } })
  t.ok(
    rows.filter((r) => own.includes(r.id)).every((r) => r.publishedAt !== null),
    'the 40 own drafts are published',
  )
  t.ok(
    rows.filter((r) => othersDrafts.includes(r.id)).every((r) => r.publishedAt === null),
    "the others' drafts are not",
  )
  const revisions = await app.db.prisma.articleRevision.findMany({
    where: { articleId: { in: own } },
    orderBy: { number: 'desc' },
  })
  t.equal(
    revisions.filter((r) => r.action === 'publish').length,
    40,
    'one publish revision per published item, as the single route writes',
  )
  t.ok(revisions.filter((r) => r.action === 'publish').every((r) => r.tokenName === 'test author'))
})

t.test('every article action, with its revisions; tags; validation', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const mine = await createAuthor(app)
  const editor = await tokenHeaders(app, 'editor')
  const ids = await createArticles(app, editor, mine.id, 3, 'Batch')
  const run = async (payload: object, status = 200) => {
    const res = await bulk(app, editor, payload)
    t.equal(res.statusCode, status, `${JSON.stringify(payload).slice(0, 80)}: ${res.body.slice(0, 200)}`)
    return json(res)
  }
  t.same(
    (await run({ action: 'publish', ids })).results.map((r: { status: number }) => r.status),
    [200, 200, 200],
  )
  t.same((await run({ action: 'unpublish', ids: [ids[0]] })).results, [{ id: ids[0], status: 200 }])
  t.same(
    (await run({ action: 'addTags', ids, tags: ['budget', 'bulk'] })).results.map((r: { status: number }) => r.status),
    [200, 200, 200],
  )
  const tagged = await app.db.prisma.article.findUnique({ where: { id: ids[1]! } })
  t.same(tagged?.tags, ['bulk', 'budget'], 'added once, order kept')
  await run({ action: 'removeTags', ids: [ids[1]], tags: ['bulk'] })
  t.same((await app.db.prisma.article.findUnique({ where: { id: ids[1]! } }))?.tags, ['budget'])
  const unchangedTags = await app.db.prisma.articleRevision.count({ where: { articleId: ids[2]! } })
  await run({ action: 'addTags', ids: [ids[2]], tags: ['bulk'] })
  t.equal(
    await app.db.prisma.articleRevision.count({ where: { articleId: ids[2]! } }),
    unchangedTags,
    'a tag already there writes nothing',
  )

  const full = Array.from({ length: 20 }, (_, i) => `tag-${i}`)
  const crowded = await run({ action: 'addTags', ids: [ids[0], UNKNOWN_UUID], tags: full })
  t.equal(crowded.results[0].status, 400, 'more than 20 tags: the 400 PATCH would give')
  t.equal(crowded.results[0].problem.code, 'VALIDATION_FAILED')
  t.equal(crowded.results[1].status, 404)

  const trashed = await run({ action: 'trash', ids: [ids[0], ids[1]] })
  t.same(
    trashed.results.map((r: { status: number }) => r.status),
    [204, 204],
    'trash answers 204, like DELETE',
  )
  t.equal((await app.inject(`/api/v1/articles/${ids[1]}`)).statusCode, 404)
  t.same(json(await app.inject({ url: '/api/v1/trash', headers: editor })).meta.total, 2)
  const restored = await run({ action: 'restore', ids: [ids[0], ids[1], ids[2]] })
  t.same(
    restored.results.map((r: { status: number }) => r.status),
    [200, 200, 200],
    'restore; one not in the trash stays as it is',
  )
  t.equal((await app.inject(`/api/v1/articles/${ids[1]}`)).statusCode, 200)
  const history = await app.db.prisma.articleRevision.findMany({
    where: { articleId: ids[0]! },
    orderBy: { number: 'asc' },
  })
  t.same(
    history.map((r) => r.action),
    ['create', 'publish', 'unpublish', 'update', 'trash', 'untrash'],
    'each item writes the revisions its single route would',
  )
  t.equal((await app.inject(`/api/v1/articles/${ids[0]}`)).statusCode, 404, 'restored as it was: still a draft')

  for (const [payload, path] of [
    [{ action: 'addTags', ids }, '/body/tags'],
    [{ action: 'publish', ids, tags: ['x'] }, '/body/tags'],
    [{ action: 'publish', ids: [] }, '/body/ids'],
    [{ action: 'publish', ids: Array.from({ length: 101 }, (_, i) => `slug-${i}`) }, '/body/ids'],
    [{ action: 'publish', ids: [ids[0], ids[0]] }, '/body/ids'],
    [{ action: 'destroy', ids }, '/body/action'],
  ] as const) {
    isProblem(t, await bulk(app, editor, payload), 400, 'VALIDATION_FAILED', path)
  }
  isProblem(t, await bulk(app, {}, { action: 'publish', ids }), 401, 'UNAUTHORIZED')
  isProblem(t, await bulk(app, await tokenHeaders(app, 'viewer'), { action: 'publish', ids }), 403, 'FORBIDDEN')
})

t.test('a bulk request honours Idempotency-Key as a whole', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const mine = await createAuthor(app)
  const editor = await tokenHeaders(app, 'editor')
  const ids = await createArticles(app, editor, mine.id, 3, 'Keyed')
  const key = { 'idempotency-key': 'bulk-publish-1' }
  const first = await bulk(app, editor, { action: 'publish', ids: [...ids, UNKNOWN_UUID] }, key)
  t.equal(first.statusCode, 200)
  const revisions = await app.db.prisma.articleRevision.count()
  const replay = await bulk(app, editor, { action: 'publish', ids: [...ids, UNKNOWN_UUID] }, key)
  t.equal(replay.statusCode, 200)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.body, first.body, 'the same per-item results, byte for byte')
  t.equal(await app.db.prisma.articleRevision.count(), revisions, 'nothing ran twice')
  isProblem(t, await bulk(app, editor, { action: 'unpublish', ids }, key), 422, 'IDEMPOTENCY_KEY_REUSED')
  // Keyed and not atomic: the items run as savepoints inside the key's transaction, so a failing one
  // undoes only itself.
  const mixed = await bulk(
    app,
    editor,
    { action: 'trash', ids: [ids[0], UNKNOWN_UUID, ids[1]] },
    { 'idempotency-key': 'bulk-trash-1' },
  )
  t.same(
    json(mixed).results.map((r: { status: number }) => r.status),
    [204, 404, 204],
  )
  t.equal((await app.inject(`/api/v1/articles/${ids[1]}`)).statusCode, 404, 'the item after the failed one is trashed')
})

t.test('comment moderation in bulk keeps commentCount right', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const editor = await tokenHeaders(app, 'editor')
  // A published article with an approved comment of its own, beside the five posted here.
  const article = await createArticle(app, { state: 'published' })
  await createComment(app, article, { status: 'approved' })
  const posted: string[] = []
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/articles/${article.slug}/comments`,
      payload: { authorName: `Reader ${i}`, authorEmail: `reader${i}@example.test`, body: `Comment ${i}` },
    })
    posted.push(json(res).id)
  }
  const count = await commentCount(app, article.slug)
  const moderate = (payload: object, headers = editor) =>
    app.inject({ method: 'POST', url: '/api/v1/comments/bulk', headers, payload })

  const approve = await moderate({ action: 'approve', ids: [...posted, UNKNOWN_UUID] })
  t.equal(approve.statusCode, 200)
  t.same(
    json(approve).results.map((r: { status: number }) => r.status),
    [200, 200, 200, 200, 200, 404],
  )
  t.equal(await commentCount(app, article.slug), count + 5, 'five more approved comments counted')
  const again = await moderate({ action: 'approve', ids: posted.slice(0, 2) })
  t.same(
    json(again).results.map((r: { status: number }) => r.status),
    [200, 200],
  )
  t.equal(await commentCount(app, article.slug), count + 5, 'approving an approved comment counts nothing twice')

  const before = await state(app)
  const atomic = await moderate({ action: 'spam', ids: [posted[0], UNKNOWN_UUID], atomic: true })
  isProblem(t, atomic, 409, 'BULK_ABORTED')
  await unchanged(t, app, before, 'atomic with an unknown comment: nothing changed')

  const spam = await moderate({ action: 'spam', ids: posted.slice(0, 2) })
  t.same(
    json(spam).results.map((r: { status: number }) => r.status),
    [200, 200],
  )
  t.equal(await commentCount(app, article.slug), count + 3)
  const removed = await moderate({ action: 'delete', ids: posted.slice(1, 4) })
  t.same(
    json(removed).results.map((r: { status: number }) => r.status),
    [204, 204, 204],
    'delete answers 204, like DELETE',
  )
  t.equal(await commentCount(app, article.slug), count + 1, 'two approved ones deleted (the spam one was not counted)')
  for (const action of ['pending', 'reject'] as const) {
    t.equal((await moderate({ action, ids: [posted[4]] })).statusCode, 200)
  }
  t.equal((await app.db.prisma.comment.findUnique({ where: { id: posted[4]! } }))?.status, 'rejected')
  t.equal(await commentCount(app, article.slug), count)

  const author = await tokenHeaders(app, 'author', article.authorId)
  isProblem(t, await moderate({ action: 'approve', ids: posted }, author), 403, 'FORBIDDEN')
  isProblem(t, await moderate({ action: 'approve', ids: posted }, {}), 401, 'UNAUTHORIZED')
  // A trashed article's comments went with it: not moderated in bulk either.
  const approvedComment = await app.db.prisma.comment.findFirst({
    where: { articleId: article.id, status: 'approved' },
  })
  await app.inject({ method: 'DELETE', url: `/api/v1/articles/${article.id}`, headers: editor })
  t.same(
    json(await moderate({ action: 'reject', ids: [approvedComment!.id] })).results.map(
      (r: { status: number }) => r.status,
    ),
    [404],
  )
})
