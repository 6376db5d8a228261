import t from 'tap'
import type { Article } from '../../src/schemas/article.js'
import type { Comment } from '../../src/schemas/comment.js'
import {
  buildTestApp,
  callers,
  commentCount,
  json,
  postComment,
  publicCommentIds,
  snapshot,
  tokenHeaders,
  type Caller,
  type Headers,
  type TestApp,
} from '../support/app.js'
import { createArticle, createComment, type CommentOptions } from '../support/factories.js'

/**
 * The articles and comments these tests read, built on an empty database: `tram` is published
 * with approved comments in threads (tram-2 replies to tram-1, tram-3 to tram-2, tram-5 to
 * tram-4) and a spam one; `parking` (another author's) is published with approved, pending and
 * rejected comments; a draft and a scheduled article have none.
 */
async function buildDiscussion(app: TestApp) {
  const tram = await createArticle(app, { state: 'published' })
  const parking = await createArticle(app, { state: 'published' })
  const comment: Record<string, Comment> = {}
  const all: Comment[] = []
  const add = async (key: string, article: Article, options: CommentOptions) => {
    comment[key] = await createComment(app, article, options)
    all.push(comment[key])
  }
  await add('tram-1', tram, { status: 'approved' })
  await add('tram-2', tram, { status: 'approved', parent: comment['tram-1'], authorName: 'Agnieszka Lis' })
  await add('parking-1', parking, { status: 'approved' })
  await add('tram-3', tram, { status: 'approved', parent: comment['tram-2'] })
  await add('tram-4', tram, { status: 'approved' })
  await add('parking-2', parking, { status: 'approved', parent: comment['parking-1'] })
  await add('tram-5', tram, { status: 'approved', parent: comment['tram-4'] })
  await add('tram-6', tram, {
    status: 'spam',
    authorName: 'Best Deals 4U',
    authorEmail: 'deals4u@example.net',
    body: 'Cheap watches!!! deals4u dot example',
  })
  await add('parking-3', parking, { status: 'rejected' })
  await add('parking-4', parking, { status: 'pending' })
  await add('parking-5', parking, { status: 'approved' })
  const draft = await createArticle(app, { authorId: parking.authorId })
  const scheduled = await createArticle(app, { state: 'scheduled' })
  return { tram, parking, draft, scheduled, comment, all, tramAuthor: tram.authorId, otherAuthor: parking.authorId }
}
type Discussion = Awaited<ReturnType<typeof buildDiscussion>>

/** The approved comments of an article, oldest first. */
const approvedOf = (w: Discussion, article: Article) =>
  w.all.filter((c) => c.articleId === article.id && c.status === 'approved')

const newComment = {
  authorName: 'Ines Ødegård',
  authorEmail: 'ines@example.org',
  body: 'Ein “guter” Text — merci ✨ مرحبا',
}

/** The ETag PATCH and DELETE compare with: that of the moderator representation. */
async function moderatorEtag(app: TestApp, id: string): Promise<string> {
  const res = await app.inject({ url: `/api/v1/comments/${id}`, headers: await tokenHeaders(app, 'editor') })
  if (res.statusCode !== 200) throw new Error(`GET /comments/${id}: ${res.statusCode}`)
  return res.headers.etag as string
}

async function patch(app: TestApp, id: string, payload: unknown, headers: Headers = {}) {
  return app.inject({ method: 'PATCH', url: `/api/v1/comments/${id}`, payload: payload as object, headers })
}

/** Every article whose stored comment_count differs from its number of approved comments. */
async function countDrift(app: TestApp) {
  return app.db.prisma.$queryRaw<{ slug: string; stored: number; approved: number }[]>`
    SELECT a."slug", a."comment_count" AS stored,
           (SELECT count(*)::int FROM "comments" c WHERE c."article_id" = a."id" AND c."status" = 'approved') AS approved
    FROM "articles" a
    WHERE a."comment_count" <> (SELECT count(*) FROM "comments" c WHERE c."article_id" = a."id" AND c."status" = 'approved')`
}

t.test('reading: public comments and the moderation queue', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const w = await buildDiscussion(app)
  const { tram, parking, draft, scheduled, tramAuthor, otherAuthor } = w
  const expected = approvedOf(w, tram)

  t.test('approved only, oldest first, threaded, never an email', async (t) => {
    const res = await app.inject(`/api/v1/articles/${tram.slug}/comments`)
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/json/)
    const body = json(res)
    t.same(
      body.data.map((c: { id: string }) => c.id),
      expected.map((c) => c.id),
      'exactly the approved ones, in createdAt order',
    )
    t.same(body.meta, { limit: 20, page: 1, nextCursor: null, total: expected.length, pageCount: 1 })
    const reply = body.data.find((c: { id: string }) => c.id === w.comment['tram-2']!.id)
    const { authorEmail: _email, ...publicReply } = w.comment['tram-2']!
    t.same(reply, publicReply, 'the public representation: every field but the email')
    t.match(reply, { articleId: tram.id, parentId: w.comment['tram-1']!.id, authorName: 'Agnieszka Lis' })
    t.equal(body.data[0].parentId, null, 'a top-level comment has parentId null')
    t.notOk(res.body.includes('@'), 'no email address anywhere in the body')
    t.notOk(res.body.includes('deals4u'), 'spam stays hidden')
    t.notOk(res.body.includes(w.comment['tram-6']!.id), 'not even its id')
    t.match(res.headers.etag, /^W\//, 'weak ETag on the list')

    const again = await app.inject({
      url: `/api/v1/articles/${tram.slug}/comments`,
      headers: { 'if-none-match': res.headers.etag as string },
    })
    t.equal(again.statusCode, 304)
    t.equal(again.body, '')
  })

  t.test('by id too, and a staff token still gets the public representation', async (t) => {
    const editor = await tokenHeaders(app, 'editor')
    const byId = await app.inject({ url: `/api/v1/articles/${tram.id}/comments`, headers: editor })
    t.equal(byId.statusCode, 200)
    t.equal(json(byId).data.length, expected.length)
    t.notOk(byId.body.includes('@'), 'no authorEmail even for an editor')
    t.ok(json(byId).data.every((c: object) => !('authorEmail' in c)))
  })

  t.test('paging with page, cursor, Link and sort', async (t) => {
    const first = await app.inject(`/api/v1/articles/${tram.slug}/comments?limit=2`)
    t.equal(first.statusCode, 200)
    const meta = json(first).meta
    t.equal(meta.total, expected.length)
    t.equal(meta.pageCount, Math.ceil(expected.length / 2))
    t.equal(
      first.headers.link,
      `</api/v1/articles/${tram.slug}/comments?limit=2&cursor=${meta.nextCursor}>; rel="next"`,
    )
    const paged = await app.inject(`/api/v1/articles/${tram.slug}/comments?limit=2&page=1`)
    t.equal(paged.headers.link, `</api/v1/articles/${tram.slug}/comments?limit=2&page=2>; rel="next"`)

    const seen: string[] = json(first).data.map((c: { id: string }) => c.id)
    let cursor: string | null = meta.nextCursor
    while (cursor) {
      const res = await app.inject(
        `/api/v1/articles/${tram.slug}/comments?limit=2&count=false&cursor=${encodeURIComponent(cursor)}`,
      )
      t.equal(res.statusCode, 200)
      t.notOk('total' in json(res).meta, 'count=false drops total')
      seen.push(...json(res).data.map((c: { id: string }) => c.id))
      cursor = json(res).meta.nextCursor
      if (cursor) t.match(res.headers.link, /cursor=/)
    }
    t.same(
      seen,
      expected.map((c) => c.id),
      'cursors walk the whole list once',
    )

    const newest = await app.inject(`/api/v1/articles/${tram.slug}/comments?sort=-createdAt`)
    t.same(
      json(newest).data.map((c: { id: string }) => c.id),
      expected.map((c) => c.id).reverse(),
    )
  })

  t.test('bad list queries are 400 naming the parameter', async (t) => {
    for (const [query, path] of [
      ['sort=authorName', '/query/sort'],
      ['limit=0', '/query/limit'],
      ['status=approved', '/query/status'],
      ['page=1&cursor=abc', '/query/cursor'],
      ['cursor=forged.cursor', '/query/cursor'],
    ] as const) {
      const res = await app.inject(`/api/v1/articles/${tram.slug}/comments?${query}`)
      t.equal(res.statusCode, 400, query)
      t.equal(json(res).code, 'VALIDATION_FAILED', query)
      t.ok(
        json(res).errors.some((e: { path: string }) => e.path === path),
        `${query} names ${path}`,
      )
    }
  })

  t.test('draft, scheduled and unknown articles are the same 404', async (t) => {
    const targets = [
      draft.slug,
      draft.id,
      scheduled.slug,
      scheduled.id,
      'no-such-article',
      '00000000-0000-4000-8000-000000000000',
    ]
    const bodies = []
    for (const target of targets) {
      const res = await app.inject(`/api/v1/articles/${target}/comments`)
      t.equal(res.statusCode, 404, target)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      const { instance, ...rest } = json(res)
      t.equal(instance, `/api/v1/articles/${target}/comments`)
      bodies.push(rest)
    }
    t.match(bodies[0], { status: 404, code: 'NOT_FOUND' })
    for (const body of bodies.slice(1)) t.same(body, bodies[0], 'indistinguishable from an unknown article')
  })

  t.test('a viewer token sees the (empty) comments of a draft it may read', async (t) => {
    const res = await app.inject({
      url: `/api/v1/articles/${draft.slug}/comments`,
      headers: await tokenHeaders(app, 'viewer'),
    })
    t.equal(res.statusCode, 200)
    t.same(json(res).data, [])
  })

  t.test('the moderation queue', async (t) => {
    const { editor, admin } = await callers(app, tramAuthor, otherAuthor)

    t.test('every state, oldest first, with emails', async (t) => {
      for (const headers of [editor, admin]) {
        const res = await app.inject({ url: '/api/v1/comments?limit=100', headers })
        t.equal(res.statusCode, 200)
        const body = json(res)
        t.equal(body.meta.total, w.all.length)
        t.same(
          body.data.map((c: { id: string }) => c.id),
          w.all.map((c) => c.id),
          'every comment, in the order they were posted',
        )
        const spam = body.data.find((c: { id: string }) => c.id === w.comment['tram-6']!.id)
        t.same(spam, w.comment['tram-6'], 'the moderator representation, email included')
        t.match(spam, {
          articleId: tram.id,
          parentId: null,
          authorName: 'Best Deals 4U',
          authorEmail: 'deals4u@example.net',
          status: 'spam',
        })
        t.ok(
          body.data.every((c: { authorEmail?: string }) => typeof c.authorEmail === 'string'),
          'every row has its email',
        )
        t.equal(res.headers['cache-control'], 'private, no-cache')
      }
    })

    t.test('filters: status, article by id and by slug, both together', async (t) => {
      const ids = async (query: string) => {
        const res = await app.inject({ url: `/api/v1/comments?limit=100&${query}`, headers: editor })
        t.equal(res.statusCode, 200, query)
        return json(res)
          .data.map((c: { id: string }) => c.id)
          .sort()
      }
      const expect = (pred: (c: Comment) => boolean) =>
        w.all
          .filter(pred)
          .map((c) => c.id)
          .sort()

      t.same(
        await ids('status=pending'),
        expect((c) => c.status === 'pending'),
      )
      t.same(
        await ids('status=spam'),
        expect((c) => c.status === 'spam'),
      )
      t.same(
        await ids(`article=${tram.id}`),
        expect((c) => c.articleId === tram.id),
      )
      t.same(
        await ids(`article=${tram.slug}`),
        expect((c) => c.articleId === tram.id),
      )
      t.same(
        await ids(`article=${tram.id.toUpperCase()}`),
        expect((c) => c.articleId === tram.id),
      )
      t.same(
        await ids(`article=${parking.slug}&status=pending`),
        expect((c) => c.articleId === parking.id && c.status === 'pending'),
      )
      t.same(await ids('article=no-such-article'), [], 'an unknown article has no comments')
    })

    t.test('paging and bad queries', async (t) => {
      const res = await app.inject({ url: '/api/v1/comments?limit=5&status=approved&page=1', headers: editor })
      t.equal(json(res).data.length, 5)
      t.equal(res.headers.link, '</api/v1/comments?limit=5&status=approved&page=2>; rel="next"')
      const next = await app.inject({
        url: `/api/v1/comments?limit=5&status=approved&cursor=${json(res).meta.nextCursor}`,
        headers: editor,
      })
      t.equal(next.statusCode, 200)
      t.same(
        json(next).data.map((c: { id: string }) => c.id),
        json(await app.inject({ url: '/api/v1/comments?limit=5&status=approved&page=2', headers: editor })).data.map(
          (c: { id: string }) => c.id,
        ),
        'the cursor continues where page 1 ended',
      )
      for (const [query, path] of [
        ['status=hidden', '/query/status'],
        ['author=x', '/query/author'],
        ['sort=status', '/query/sort'],
      ] as const) {
        const bad = await app.inject({ url: `/api/v1/comments?${query}`, headers: editor })
        t.equal(bad.statusCode, 400, query)
        t.ok(
          json(bad).errors.some((e: { path: string }) => e.path === path),
          `${query} names ${path}`,
        )
      }
    })
  })
})

t.test('posting a comment', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const w = await buildDiscussion(app)
  const { tram, parking, draft, scheduled } = w
  const editor = await tokenHeaders(app, 'editor')

  t.test('201 pending, public representation, invisible until approved', async (t) => {
    const countBefore = await commentCount(app, tram.slug)
    const res = await postComment(app, tram.slug, newComment)
    t.equal(res.statusCode, 201)
    const created = json(res)
    t.match(created, { id: String, articleId: tram.id, parentId: null, status: 'pending', createdAt: String })
    t.equal(created.body, newComment.body, 'body byte-exact')
    t.equal(created.authorName, newComment.authorName, 'name byte-exact')
    t.same(Object.keys(created).sort(), [
      'articleId',
      'authorName',
      'body',
      'bodyHtml',
      'createdAt',
      'id',
      'parentId',
      'status',
    ])
    t.notOk(res.body.includes('@'), 'no email in the response')
    // The poster's copy is the public representation; If-Match compares with the moderator's
    // (GET /comments/{id}), so an ETag here would validate nothing.
    t.equal(res.headers.etag, undefined, 'no ETag on the public copy')
    t.match(
      await moderatorEtag(app, created.id),
      /^"1-[A-Za-z0-9_-]{16}"$/,
      'GET /comments/{id}: strong ETag of version 1',
    )

    t.notOk((await publicCommentIds(app, tram.slug)).includes(created.id), 'pending: not public')
    t.equal(await commentCount(app, tram.slug), countBefore, 'pending comments are not counted')

    const queue = json(await app.inject({ url: `/api/v1/comments?status=pending&article=${tram.id}`, headers: editor }))
    t.same(queue.data, [{ ...created, authorEmail: newComment.authorEmail }], 'in the moderation queue, with the email')

    const stored = await app.db.prisma.comment.findUniqueOrThrow({ where: { id: created.id } })
    t.equal(stored.authorEmail, newComment.authorEmail)
    t.equal(stored.status, 'pending')
  })

  t.test('by id, and a token changes nothing', async (t) => {
    const res = await postComment(app, parking.id, newComment, { headers: editor })
    t.equal(res.statusCode, 201)
    t.equal(json(res).status, 'pending')
    t.notOk('authorEmail' in json(res), 'public representation even for an editor')
  })

  t.test('replies thread under a comment of the same article', async (t) => {
    const parent = w.comment['tram-4']!.id
    const res = await postComment(app, tram.slug, { ...newComment, parentId: parent })
    t.equal(res.statusCode, 201)
    t.equal(json(res).parentId, parent)

    // A reply may only answer an approved comment: a pending one is as good as unknown, so
    // which hidden comments exist cannot be probed (issue 12).
    const early = await postComment(app, tram.slug, { ...newComment, parentId: json(res).id })
    t.equal(early.statusCode, 400, 'a reply to a pending comment is refused like one to an unknown id')
    t.equal(json(early).errors?.[0]?.path, '/body/parentId')

    const etag = (await app.inject({ url: `/api/v1/comments/${json(res).id}`, headers: editor })).headers.etag as string
    const approve = await app.inject({
      method: 'PATCH',
      url: `/api/v1/comments/${json(res).id}`,
      headers: { ...editor, 'if-match': etag },
      payload: { status: 'approved' },
    })
    t.equal(approve.statusCode, 200)
    const reply = await postComment(app, tram.slug, { ...newComment, parentId: json(res).id })
    t.equal(reply.statusCode, 201, 'a reply to the approved comment of the same article')
    t.equal(json(reply).parentId, json(res).id)
  })

  t.test('a parent from another article, or none at all, is 400 on /body/parentId', async (t) => {
    const before = await snapshot(app)
    const foreign = await postComment(app, tram.slug, { ...newComment, parentId: w.comment['parking-1']!.id })
    const unknown = await postComment(app, tram.slug, {
      ...newComment,
      parentId: '00000000-0000-4000-8000-000000000000',
    })
    for (const res of [foreign, unknown]) {
      t.equal(res.statusCode, 400)
      t.equal(json(res).code, 'VALIDATION_FAILED')
      t.same(
        json(res).errors.map((e: { path: string }) => e.path),
        ['/body/parentId'],
      )
    }
    t.same(json(foreign).errors, json(unknown).errors, 'does not reveal that the id exists elsewhere')
    t.same(await snapshot(app), before, 'nothing stored')
  })

  t.test('invalid bodies are 400 naming the field, and store nothing', async (t) => {
    const before = await snapshot(app)
    const cases: [string, unknown, string][] = [
      ['missing authorName', { authorEmail: newComment.authorEmail, body: 'x' }, '/body/authorName'],
      ['missing authorEmail', { authorName: 'A', body: 'x' }, '/body/authorEmail'],
      ['missing body', { authorName: 'A', authorEmail: newComment.authorEmail }, '/body/body'],
      ['invalid email', { ...newComment, authorEmail: 'not-an-email' }, '/body/authorEmail'],
      ['whitespace-only body', { ...newComment, body: ' \n\t ' }, '/body/body'],
      ['whitespace-only name', { ...newComment, authorName: '   ' }, '/body/authorName'],
      ['empty body', { ...newComment, body: '' }, '/body/body'],
      ['name too long', { ...newComment, authorName: 'a'.repeat(101) }, '/body/authorName'],
      ['body too long', { ...newComment, body: 'a'.repeat(10_001) }, '/body/body'],
      ['number body', { ...newComment, body: 5 }, '/body/body'],
      ['parentId not a uuid', { ...newComment, parentId: 'tram-1' }, '/body/parentId'],
      ['unknown property', { ...newComment, homepage: 'https://example.org' }, '/body/homepage'],
      ['honeypot too long', { ...newComment, website: 'x'.repeat(201) }, '/body/website'],
      ['status is server-owned', { ...newComment, status: 'approved' }, '/body/status'],
      ['id is server-owned', { ...newComment, id: '00000000-0000-4000-8000-000000000000' }, '/body/id'],
      ['createdAt is server-owned', { ...newComment, createdAt: '2026-01-01T00:00:00.000Z' }, '/body/createdAt'],
      ['articleId is server-owned', { ...newComment, articleId: parking.id }, '/body/articleId'],
    ]
    for (const [name, payload, path] of cases) {
      const res = await postComment(app, tram.slug, payload)
      t.equal(res.statusCode, 400, name)
      t.match(res.headers['content-type'], /^application\/problem\+json/, name)
      t.equal(json(res).code, 'VALIDATION_FAILED', name)
      t.ok(
        json(res).errors.some((e: { path: string }) => e.path === path),
        `${name} names ${path}`,
      )
    }
    const all = await postComment(app, tram.slug, {})
    t.same(
      json(all)
        .errors.map((e: { path: string }) => e.path)
        .sort(),
      ['/body/authorEmail', '/body/authorName', '/body/body'],
      'every missing field is reported at once',
    )
    t.same(await snapshot(app), before, 'nothing stored')
  })

  t.test('drafts, scheduled and unknown articles take no comments: the same 404 for everyone', async (t) => {
    const before = await snapshot(app)
    const bodies = []
    for (const target of [draft.slug, scheduled.id, 'no-such-article']) {
      for (const headers of [{}, editor]) {
        const res = await postComment(app, target, newComment, { headers })
        t.equal(res.statusCode, 404, target)
        const { instance: _instance, ...rest } = json(res)
        bodies.push(rest)
      }
    }
    for (const body of bodies.slice(1)) t.same(body, bodies[0])
    t.same(await snapshot(app), before, 'nothing stored')
  })
})

t.test('role × route matrix: only editors and admins moderate', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const w = await buildDiscussion(app)
  const { tram, tramAuthor, otherAuthor } = w
  const who = await callers(app, tramAuthor, otherAuthor)
  const allowed = (caller: Caller) => caller === 'editor' || caller === 'admin'
  const refused = (caller: Caller) => (caller === 'anonymous' ? 401 : 403)

  for (const caller of Object.keys(who) as Caller[]) {
    t.test(caller, async (t) => {
      const headers = who[caller]
      const list = await app.inject({ url: '/api/v1/comments', headers })
      t.equal(list.statusCode, allowed(caller) ? 200 : refused(caller), 'GET /comments')
      if (!allowed(caller)) {
        t.equal(json(list).code, caller === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN')
        t.notOk(list.body.includes('@'))
      }

      const created = await postComment(app, tram.slug, newComment)
      const id = json(created).id
      const etag = await moderatorEtag(app, id)

      const before = await snapshot(app)
      const updated = await patch(app, id, { status: 'approved' }, { ...headers, 'if-match': etag })
      t.equal(updated.statusCode, allowed(caller) ? 200 : refused(caller), 'PATCH /comments/{id}')
      if (allowed(caller)) {
        t.match(json(updated), { id, status: 'approved', authorEmail: newComment.authorEmail })
      } else {
        t.same(await snapshot(app), before, 'a refused PATCH changes nothing')
      }

      const beforeDelete = await snapshot(app)
      const deleted = await app.inject({ method: 'DELETE', url: `/api/v1/comments/${id}`, headers })
      t.equal(deleted.statusCode, allowed(caller) ? 204 : refused(caller), 'DELETE /comments/{id}')
      if (allowed(caller)) {
        t.equal(deleted.body, '')
        t.equal(await app.db.prisma.comment.count({ where: { id } }), 0, 'gone')
      } else {
        t.same(await snapshot(app), beforeDelete, 'a refused DELETE changes nothing')
      }
    })
  }

  t.test('the stored counts are still consistent', async (t) => {
    t.same(await countDrift(app), [])
  })
})

t.test('moderation keeps commentCount exact', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const w = await buildDiscussion(app)
  const { tram, parking, tramAuthor, otherAuthor } = w
  const { editor, admin } = await callers(app, tramAuthor, otherAuthor)

  t.test('approve, un-approve, spam, reject, delete', async (t) => {
    const start = await commentCount(app, tram.slug)
    t.equal(start, approvedOf(w, tram).length)
    const created = await postComment(app, tram.slug, newComment)
    const id = json(created).id

    const approved = await patch(
      app,
      id,
      { status: 'approved' },
      { ...editor, 'if-match': await moderatorEtag(app, id) },
    )
    t.equal(approved.statusCode, 200)
    t.same(json(approved), { ...json(created), status: 'approved', authorEmail: newComment.authorEmail })
    t.match(approved.headers.etag, /^"2-[A-Za-z0-9_-]{16}"$/, 'new strong ETag, next version')
    t.ok((await publicCommentIds(app, tram.slug)).includes(id), 'approved: public')
    t.equal(await commentCount(app, tram.slug), start + 1, 'approval counts')

    const again = await patch(
      app,
      id,
      { status: 'approved' },
      { ...admin, 'if-match': approved.headers.etag as string },
    )
    t.equal(again.statusCode, 200)
    t.equal(await commentCount(app, tram.slug), start + 1, 'approving twice counts once')

    const pending = await patch(app, id, { status: 'pending' }, { ...editor, 'if-match': again.headers.etag as string })
    t.equal(json(pending).status, 'pending')
    t.notOk((await publicCommentIds(app, tram.slug)).includes(id), 'un-approved: hidden again')
    t.equal(await commentCount(app, tram.slug), start, 'un-approval uncounts')

    const reapproved = await patch(
      app,
      id,
      { status: 'approved' },
      { ...editor, 'if-match': pending.headers.etag as string },
    )
    t.equal(await commentCount(app, tram.slug), start + 1)
    const spam = await patch(app, id, { status: 'spam' }, { ...editor, 'if-match': reapproved.headers.etag as string })
    t.equal(json(spam).status, 'spam')
    t.equal(await commentCount(app, tram.slug), start, 'spam uncounts')

    const rejected = await patch(
      app,
      id,
      { status: 'rejected' },
      { ...editor, 'if-match': spam.headers.etag as string },
    )
    t.equal(json(rejected).status, 'rejected')
    t.equal(await commentCount(app, tram.slug), start, 'spam → rejected: no change')

    const edited = await patch(
      app,
      w.comment['tram-1']!.id,
      { body: 'Edited — by the desk 🚋' },
      { ...editor, 'if-match': '*' },
    )
    t.equal(edited.statusCode, 200)
    t.equal(json(edited).body, 'Edited — by the desk 🚋', 'body edit, byte-exact')
    t.equal(json(edited).status, 'approved', 'status untouched')
    t.equal(await commentCount(app, tram.slug), start, 'a body edit does not count')

    const del = await app.inject({
      method: 'DELETE',
      url: `/api/v1/comments/${w.comment['tram-4']!.id}`,
      headers: editor,
    })
    t.equal(del.statusCode, 204)
    t.equal(await commentCount(app, tram.slug), start - 1, 'deleting an approved comment uncounts')
    const reply = await app.db.prisma.comment.findUniqueOrThrow({ where: { id: w.comment['tram-5']!.id } })
    t.equal(reply.parentId, null, 'its reply stays, now top-level')
    const publicReply = json(await app.inject(`/api/v1/articles/${tram.slug}/comments`)).data.find(
      (c: { id: string }) => c.id === w.comment['tram-5']!.id,
    )
    t.equal(publicReply.parentId, null)

    const delPending = await app.inject({
      method: 'DELETE',
      url: `/api/v1/comments/${w.comment['parking-4']!.id}`,
      headers: admin,
    })
    t.equal(delPending.statusCode, 204)
    t.equal(
      await commentCount(app, parking.slug),
      approvedOf(w, parking).length,
      'deleting a pending comment: no change',
    )

    const gone = await app.inject({
      method: 'DELETE',
      url: `/api/v1/comments/${w.comment['tram-4']!.id}`,
      headers: editor,
    })
    t.equal(gone.statusCode, 404, 'already deleted')
    t.equal(json(gone).code, 'NOT_FOUND')

    t.same(await countDrift(app), [], 'stored counts equal approved comments everywhere')
  })

  t.test('a random sequence of moderation leaves every count exact', async (t) => {
    const statuses = ['approved', 'pending', 'spam', 'rejected', 'approved'] as const
    // Two dozen more comments on both articles, in every state, some of them replies.
    for (let i = 0; i < 24; i++) {
      const article = i % 2 === 0 ? tram : parking
      const parent = i % 3 === 0 ? approvedOf(w, article)[0] : undefined
      await createComment(app, article, { status: statuses[i % statuses.length]!, ...(parent ? { parent } : {}) })
    }
    const { comments } = await snapshot(app)
    t.ok(comments.length > 30, `${comments.length} comments moderated at random`)
    let n = 0
    for (const comment of comments) {
      const status = statuses[n++ % statuses.length]!
      const res = await patch(app, comment.id, { status }, { ...editor, 'if-match': '*' })
      t.equal(res.statusCode, 200)
      if (n % 7 === 0) {
        const del = await app.inject({ method: 'DELETE', url: `/api/v1/comments/${comment.id}`, headers: admin })
        t.equal(del.statusCode, 204)
      }
    }
    t.same(await countDrift(app), [], 'stored counts equal approved comments everywhere')
    const tramApproved = await app.db.prisma.comment.count({ where: { articleId: tram.id, status: 'approved' } })
    t.equal(await commentCount(app, tram.slug), tramApproved, 'and the API reports it')
  })
})

t.test('conditional writes', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const w = await buildDiscussion(app)
  const { tram } = w
  const editor = await tokenHeaders(app, 'editor')

  t.test('PATCH needs If-Match: 428 without, 412 when stale', async (t) => {
    const created = await postComment(app, tram.slug, newComment)
    const id = json(created).id
    const etag = await moderatorEtag(app, id)
    const before = await snapshot(app)

    const missing = await patch(app, id, { status: 'approved' }, editor)
    t.equal(missing.statusCode, 428)
    t.equal(json(missing).code, 'PRECONDITION_REQUIRED')

    const forged = await patch(app, id, { status: 'approved' }, { ...editor, 'if-match': 'W/"abc"' })
    t.equal(forged.statusCode, 412, 'an ETag we never sent')
    t.same(await snapshot(app), before, 'nothing changed')

    const ok = await patch(app, id, { body: 'first edit' }, { ...editor, 'if-match': etag })
    t.equal(ok.statusCode, 200)
    const afterFirst = await snapshot(app)
    const stale = await patch(app, id, { status: 'approved' }, { ...editor, 'if-match': etag })
    t.equal(stale.statusCode, 412)
    t.equal(json(stale).code, 'PRECONDITION_FAILED')
    t.same(await snapshot(app), afterFirst, 'a stale PATCH changes nothing')

    const fresh = await patch(app, id, { status: 'approved' }, { ...editor, 'if-match': ok.headers.etag as string })
    t.equal(fresh.statusCode, 200)
    t.equal(json(fresh).body, 'first edit')
  })

  t.test('PATCH bodies are validated', async (t) => {
    const id = w.comment['parking-4']!.id
    const before = await snapshot(app)
    for (const [name, payload, path] of [
      ['empty', {}, '/body'],
      ['unknown status', { status: 'hidden' }, '/body/status'],
      ['blank body', { body: '  ' }, '/body/body'],
      ['unknown property', { authorName: 'X' }, '/body/authorName'],
    ] as const) {
      const res = await patch(app, id, payload, { ...editor, 'if-match': '*' })
      t.equal(res.statusCode, 400, name)
      t.ok(
        json(res).errors.some((e: { path: string }) => e.path === path),
        `${name} names ${path}`,
      )
    }
    const notUuid = await patch(app, 'parking-4', { status: 'approved' }, { ...editor, 'if-match': '*' })
    t.equal(notUuid.statusCode, 400)
    const unknown = await patch(
      app,
      '00000000-0000-4000-8000-000000000000',
      { status: 'approved' },
      { ...editor, 'if-match': '*' },
    )
    t.equal(unknown.statusCode, 404)
    t.equal(json(unknown).code, 'NOT_FOUND')
    t.same(await snapshot(app), before, 'nothing changed')
  })

  t.test('DELETE honours If-Match when sent', async (t) => {
    const created = await postComment(app, tram.slug, newComment)
    const id = json(created).id
    const first = await moderatorEtag(app, id)
    const approved = await patch(app, id, { status: 'approved' }, { ...editor, 'if-match': first })
    const count = await commentCount(app, tram.slug)
    const before = await snapshot(app)

    const stale = await app.inject({
      method: 'DELETE',
      url: `/api/v1/comments/${id}`,
      headers: { ...editor, 'if-match': first },
    })
    t.equal(stale.statusCode, 412)
    t.same(await snapshot(app), before, 'a stale DELETE changes nothing')

    const ok = await app.inject({
      method: 'DELETE',
      url: `/api/v1/comments/${id}`,
      headers: { ...editor, 'if-match': approved.headers.etag as string },
    })
    t.equal(ok.statusCode, 204)
    t.equal(await commentCount(app, tram.slug), count - 1)
  })

  t.test('two concurrent PATCHes with the same If-Match: one 200, one 412', async (t) => {
    for (let round = 0; round < 3; round++) {
      const created = await postComment(app, tram.slug, newComment)
      const id = json(created).id
      const etag = await moderatorEtag(app, id)
      const count = await commentCount(app, tram.slug)
      const results = await Promise.all([
        patch(app, id, { status: 'approved' }, { ...editor, 'if-match': etag }),
        patch(app, id, { status: 'approved' }, { ...editor, 'if-match': etag }),
      ])
      t.same(results.map((r) => r.statusCode).sort(), [200, 412], `round ${round}`)
      t.equal(await commentCount(app, tram.slug), count + 1, 'counted once')
      const stored = await app.db.prisma.comment.findUniqueOrThrow({ where: { id } })
      t.equal(stored.version, 2, 'one write happened')
    }
    t.same(await countDrift(app), [])
  })
})

t.test('GET /comments/{id}: moderators read any comment and its ETag drives PATCH', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const w = await buildDiscussion(app)
  const { tramAuthor, otherAuthor } = w
  const who = await callers(app, tramAuthor, otherAuthor)
  const pending = w.all.find((c) => c.status === 'pending')!
  const id = pending.id
  const expectations: Record<Caller, number> = {
    anonymous: 401,
    viewer: 403,
    authorOwn: 403,
    authorOther: 403,
    editor: 200,
    admin: 200,
  }
  for (const [caller, status] of Object.entries(expectations) as [Caller, number][]) {
    const res = await app.inject({ url: `/api/v1/comments/${id}`, headers: who[caller] })
    t.equal(res.statusCode, status, `${caller}`)
    if (status !== 200) t.notOk(res.body.includes(pending.authorEmail!), `${caller}: no email in the refusal`)
  }
  const res = await app.inject({ url: `/api/v1/comments/${id}`, headers: who.editor })
  t.match(json(res), { id, status: 'pending', authorEmail: pending.authorEmail, body: pending.body })
  t.match(res.headers.etag, /^"\d+-[\w-]{16}"$/)
  t.equal(
    (
      await app.inject({
        url: `/api/v1/comments/${id}`,
        headers: { ...who.editor, 'if-none-match': res.headers.etag as string },
      })
    ).statusCode,
    304,
  )
  const approve = await patch(
    app,
    id,
    { status: 'approved' },
    { ...who.editor, 'if-match': res.headers.etag as string },
  )
  t.equal(approve.statusCode, 200)
  t.equal(
    (await app.inject({ url: '/api/v1/comments/00000000-0000-4000-8000-000000000000', headers: who.editor }))
      .statusCode,
    404,
  )
  t.equal((await app.inject({ url: '/api/v1/comments/not-a-uuid', headers: who.editor })).statusCode, 400)
})
