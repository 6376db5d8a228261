import t from 'tap'
import { AuthorSchema } from '../../src/schemas/author.js'
import { CommentSchema } from '../../src/schemas/comment.js'
import { AUTHOR_FIELDS, COMMENT_FIELDS } from '../../src/schemas/fields.js'
import { buildTestApp, json, walk, type Headers, type TestApp } from '../support/app.js'
import { isProblem } from '../support/assert.js'
import { adminHeaders, createArticle, createAuthor, createComment, createToken } from '../support/factories.js'

/**
 * Sparse fieldsets (`fields=`) on authors and comments, and comments' rendered body (bodyHtml).
 * Articles' are test/routes/article-fields.test.ts.
 */

const get = (app: TestApp, url: string, headers: Headers = {}) => app.inject({ url, headers })
const keysOf = (value: object) => Object.keys(value)

t.test('the allowlists are the full representations, in their order', async (t) => {
  t.same(AUTHOR_FIELDS, keysOf(AuthorSchema.properties))
  t.same(COMMENT_FIELDS, keysOf(CommentSchema.properties))
})

t.test('authors: fields', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const ada = await createAuthor(app, { name: 'Ada Byline', bio: 'City hall.', website: 'https://ada.example.org' })
  const ben = await createAuthor(app, { name: 'Ben Column' })
  const cyd = await createAuthor(app, { name: 'Cyd Dateline' })
  const admin = await adminHeaders(app)
  const editor = (await createToken(app, { role: 'editor' })).headers
  const viewer = (await createToken(app, { role: 'viewer' })).headers
  const adaToken = (await createToken(app, { role: 'author', author: ada })).headers
  const url = `/api/v1/authors/${ada.slug}`

  t.test('the named fields and id, in the order of the full answer', async (t) => {
    const res = await get(app, `${url}?fields=updatedAt,name,slug`)
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
    t.same(keysOf(json(res)), ['id', 'slug', 'name', 'updatedAt'])
    t.same(json(res), { id: ada.id, slug: ada.slug, name: 'Ada Byline', updatedAt: ada.updatedAt })
    t.same(json(await get(app, `${url}?fields=id`)), { id: ada.id }, 'id alone')
    t.same(json(await get(app, `${url}?fields=website,website`)), { id: ada.id, website: 'https://ada.example.org' })
    const every = await get(app, `${url}?fields=${AUTHOR_FIELDS.join(',')}`, admin)
    t.same(json(every), json(await get(app, url, admin)), 'every field named: the full answer')
  })

  t.test('email: named or not, only for who sees it in the full answer', async (t) => {
    const cases: [string, Headers, boolean][] = [
      ['anonymous', {}, false],
      ['viewer', viewer, false],
      ['another author', (await createToken(app, { role: 'author', author: ben })).headers, false],
      ['the author itself', adaToken, true],
      ['editor', editor, true],
      ['admin', admin, true],
    ]
    for (const [who, headers, sees] of cases) {
      const full = json(await get(app, url, headers))
      const res = await get(app, `${url}?fields=name,email`, headers)
      t.equal('email' in full, sees, `${who}: full answer`)
      t.same(json(res), { id: ada.id, name: 'Ada Byline', ...(sees ? { email: ada.email } : {}) }, `${who}: sparse`)
      if (!sees) t.notOk(res.body.includes('@'), `${who}: no address anywhere in the answer`)
    }
    const list = json(await get(app, '/api/v1/authors?fields=email', adaToken))
    t.same(
      list.data,
      [{ id: ada.id, email: ada.email }, { id: ben.id }, { id: cyd.id }],
      "an author token's list: its own email only",
    )
    const staffList = json(await get(app, '/api/v1/authors?fields=email', editor))
    t.same(
      staffList.data.map((a: { email: string }) => a.email),
      [ada.email, ben.email, cyd.email],
    )
    const anonymous = await get(app, '/api/v1/authors?fields=name,email')
    t.same(json(anonymous).data, [
      { id: ada.id, name: ada.name },
      { id: ben.id, name: ben.name },
      { id: cyd.id, name: cyd.name },
    ])
  })

  t.test('unknown names, dotted names and malformed lists are 400 at /query/fields', async (t) => {
    for (const fields of ['nickname', 'name,nickname', 'author.name', 'articles', 'name,', 'name,,slug', 'Name']) {
      for (const path of [url, '/api/v1/authors']) {
        const res = await get(app, `${path}?fields=${encodeURIComponent(fields)}`)
        isProblem(t, res, 400, 'VALIDATION_FAILED', '/query/fields')
      }
    }
    const res = await get(app, `${url}?fields=nickname,bio,nick.name`)
    t.match(json(res).errors[0].message, /unknown fields "nickname", "nick\.name"; fields: id, slug, name, email, bio/)
    isProblem(t, await get(app, `${url}?fields=name&include=author`), 400, 'VALIDATION_FAILED')
  })

  t.test('the ETag is that of the answer as sent; 304 with it; never an If-Match', async (t) => {
    const full = await get(app, url)
    const sparse = await get(app, `${url}?fields=name`)
    const other = await get(app, `${url}?fields=slug`)
    t.match(sparse.headers.etag, /^"\d+-[A-Za-z0-9_-]{16}"$/, 'a strong tag of the same form')
    t.not(sparse.headers.etag, full.headers.etag)
    t.not(sparse.headers.etag, other.headers.etag)
    t.equal(full.headers.etag?.toString().split('-')[0], sparse.headers.etag?.toString().split('-')[0], 'same version')
    const notModified = await get(app, `${url}?fields=name`, { 'if-none-match': sparse.headers.etag as string })
    t.equal(notModified.statusCode, 304)
    t.equal(notModified.body, '')
    const fullAgain = await get(app, url, { 'if-none-match': sparse.headers.etag as string })
    t.equal(fullAgain.statusCode, 200, 'the full answer does not match the sparse tag')
    const patch = await app.inject({
      method: 'PATCH',
      url,
      headers: { ...admin, 'if-match': sparse.headers.etag as string },
      payload: { bio: 'Politics.' },
    })
    isProblem(t, patch, 412, 'PRECONDITION_FAILED')
    const sparseAsAdmin = await get(app, `${url}?fields=name,email`, admin)
    t.not(sparseAsAdmin.headers.etag, (await get(app, `${url}?fields=name,email`)).headers.etag, 'per view')
  })

  t.test('lists page by cursor when the sort field is not asked for', async (t) => {
    for (const sort of ['-createdAt', 'slug', '-updatedAt,name']) {
      const full = await walk<{ id: string }>(app, `/api/v1/authors?sort=${sort}&limit=1`)
      const sparse = await walk<Record<string, unknown>>(app, `/api/v1/authors?sort=${sort}&limit=1&fields=bio`)
      t.same(
        sparse.map((a) => a.id),
        full.map((a) => a.id),
        `sort=${sort}: same rows, same order`,
      )
      t.ok(
        sparse.every((a) => keysOf(a).join() === 'id,bio'),
        'only id and bio',
      )
    }
    const page = json(await get(app, '/api/v1/authors?fields=name&limit=2'))
    t.equal(page.meta.total, 3, 'meta as without fields')
    const byPage = json(await get(app, '/api/v1/authors?fields=slug&limit=2&page=2'))
    t.same(byPage.data, [{ id: cyd.id, slug: cyd.slug }])
  })

  t.test('without fields, the answers are as before', async (t) => {
    const list = json(await get(app, '/api/v1/authors'))
    t.same(keysOf(list.data[0]), [
      'id',
      'slug',
      'name',
      'bio',
      'avatarUrl',
      'avatarId',
      'avatar',
      'website',
      'createdAt',
      'updatedAt',
    ])
    const mine = json(await get(app, url, adaToken))
    t.same(keysOf(mine).sort(), [...AUTHOR_FIELDS].sort())
  })
})

t.test('comments: bodyHtml and fields', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const admin = await adminHeaders(app)
  const editor = (await createToken(app, { role: 'editor' })).headers
  const article = await createArticle(app, { state: 'published' })
  const body =
    'Thanks! The minutes: https://example.org/minutes?year=2026&part=2\nAnd the map at www.example.net.\n\n' +
    'Second thought: <b>7 to 2</b> is "close".'
  const html =
    '<p>Thanks! The minutes: <a href="https://example.org/minutes?year=2026&amp;part=2" rel="ugc nofollow noopener">' +
    'https://example.org/minutes?year=2026&amp;part=2</a><br>And the map at ' +
    '<a href="http://www.example.net" rel="ugc nofollow noopener">www.example.net</a>.</p>\n' +
    '<p>Second thought: &lt;b&gt;7 to 2&lt;/b&gt; is &quot;close&quot;.</p>'
  const linked = await createComment(app, article, { body, status: 'approved' })
  const others: { id: string }[] = []
  for (let i = 0; i < 4; i++) others.push(await createComment(app, article, { status: 'approved' }))
  const pending = await createComment(app, article, { body: 'Not yet.' })
  const publicUrl = `/api/v1/articles/${article.slug}/comments`
  const one = `/api/v1/comments/${linked.id}`

  t.test('bodyHtml in every comment answer, public and staff', async (t) => {
    t.equal(linked.bodyHtml, html, 'the moderation answer (PATCH)')
    const posted = await app.inject({
      method: 'POST',
      url: publicUrl,
      payload: { authorName: 'Reader', authorEmail: 'reader@example.org', body },
    })
    t.equal(posted.statusCode, 201)
    t.equal(json(posted).bodyHtml, html, "the poster's copy")
    for (const headers of [{}, editor]) {
      const thread = json(await get(app, publicUrl, headers)).data
      t.equal(thread.find((c: { id: string }) => c.id === linked.id).bodyHtml, html, 'the public thread')
    }
    t.equal(json(await get(app, one, editor)).bodyHtml, html, 'GET /comments/{id}')
    const queue = await walk<{ id: string; bodyHtml: string }>(app, '/api/v1/comments?status=approved', editor)
    t.equal(queue.find((c) => c.id === linked.id)?.bodyHtml, html, 'the moderation queue')
    t.equal(json(await get(app, `/api/v1/comments/${pending.id}`, editor)).bodyHtml, '<p>Not yet.</p>')

    const corrected = await app.inject({
      method: 'PATCH',
      url: `/api/v1/comments/${pending.id}`,
      headers: { ...admin, 'if-match': '*' },
      payload: { body: 'See https://example.org/x.\n\n<i>Later</i>.' },
    })
    t.equal(
      json(corrected).bodyHtml,
      '<p>See <a href="https://example.org/x" rel="ugc nofollow noopener">https://example.org/x</a>.</p>\n' +
        '<p>&lt;i&gt;Later&lt;/i&gt;.</p>',
      'a corrected body is rendered again',
    )
    const statusOnly = await app.inject({
      method: 'PATCH',
      url: `/api/v1/comments/${pending.id}`,
      headers: { ...admin, 'if-match': '*' },
      payload: { status: 'rejected' },
    })
    t.equal(json(statusOnly).bodyHtml, json(corrected).bodyHtml, 'a status change keeps it')
  })

  t.test('the public thread: named fields and id; authorEmail never, whoever asks', async (t) => {
    for (const headers of [{}, editor, admin]) {
      const res = await get(app, `${publicUrl}?fields=bodyHtml,authorEmail,authorName`, headers)
      t.equal(res.statusCode, 200)
      t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
      const first = json(res).data[0]
      t.same(first, { id: linked.id, authorName: linked.authorName, bodyHtml: html })
      t.notOk(res.body.includes('@'), 'no address anywhere in the answer')
    }
    const anonymous = await get(app, `${publicUrl}?fields=status`)
    t.ok(
      json(anonymous).data.every((c: object) => keysOf(c).join() === 'id,status'),
      'exactly the keys asked (and id)',
    )
    t.match(String(anonymous.headers['surrogate-key']), `comments-${article.id}`, 'cache keys without articleId asked')
    t.match(String(anonymous.headers['cache-control']), /s-maxage/)
  })

  t.test('the moderation queue and GET /comments/{id}: authorEmail when named', async (t) => {
    const queue = json(await get(app, `/api/v1/comments?fields=status,authorEmail&limit=1`, editor))
    t.same(queue.data, [{ id: linked.id, authorEmail: linked.authorEmail, status: 'approved' }])
    const single = await get(app, `${one}?fields=createdAt,articleId,parentId`, editor)
    t.same(json(single), { id: linked.id, articleId: article.id, parentId: null, createdAt: linked.createdAt })
    t.same(json(await get(app, `${one}?fields=body`, editor)), { id: linked.id, body })
    const every = await get(app, `${one}?fields=${COMMENT_FIELDS.join(',')}`, editor)
    t.same(json(every), json(await get(app, one, editor)), 'every field named: the full answer')
    isProblem(t, await get(app, `/api/v1/comments?fields=status`), 401, 'UNAUTHORIZED')
    isProblem(t, await get(app, `${one}?fields=status`), 401, 'UNAUTHORIZED')
  })

  t.test('unknown names, dotted names and malformed lists are 400 at /query/fields', async (t) => {
    for (const fields of ['email', 'author.name', 'article.slug', 'body,', 'replies']) {
      for (const [url, headers] of [
        [publicUrl, {}],
        ['/api/v1/comments', editor],
        [one, editor],
      ] as [string, Headers][]) {
        const res = await get(app, `${url}?fields=${encodeURIComponent(fields)}`, headers)
        isProblem(t, res, 400, 'VALIDATION_FAILED', '/query/fields')
      }
    }
  })

  t.test('GET /comments/{id}: the sparse ETag, 304, and not an If-Match', async (t) => {
    const full = await get(app, one, editor)
    const sparse = await get(app, `${one}?fields=status`, editor)
    t.not(sparse.headers.etag, full.headers.etag)
    t.not(sparse.headers.etag, (await get(app, `${one}?fields=body`, editor)).headers.etag)
    const again = await get(app, `${one}?fields=status`, { ...editor, 'if-none-match': sparse.headers.etag as string })
    t.equal(again.statusCode, 304)
    const patch = await app.inject({
      method: 'PATCH',
      url: one,
      headers: { ...editor, 'if-match': sparse.headers.etag as string },
      payload: { status: 'approved' },
    })
    isProblem(t, patch, 412, 'PRECONDITION_FAILED')
    const listed = await get(app, `${publicUrl}?fields=authorName`)
    const listedAgain = await get(app, `${publicUrl}?fields=authorName`, {
      'if-none-match': listed.headers.etag as string,
    })
    t.equal(listedAgain.statusCode, 304, "a list's weak tag works the same way")
    t.not(listed.headers.etag, (await get(app, publicUrl)).headers.etag)
  })

  t.test('lists page by cursor when the sort field is not asked for', async (t) => {
    for (const sort of ['createdAt', '-createdAt']) {
      const full = await walk<{ id: string }>(app, `${publicUrl}?sort=${sort}&limit=2`)
      const sparse = await walk<Record<string, unknown>>(app, `${publicUrl}?sort=${sort}&limit=2&fields=authorName`)
      t.equal(full.length, 5, 'the five approved comments')
      t.same(
        sparse.map((c) => c.id),
        full.map((c) => c.id),
        `public, sort=${sort}`,
      )
      t.ok(sparse.every((c) => keysOf(c).join() === 'id,authorName'))
      const queue = await walk<{ id: string }>(app, `/api/v1/comments?sort=${sort}&limit=2`, editor)
      const sparseQueue = await walk<{ id: string }>(app, `/api/v1/comments?sort=${sort}&limit=2&fields=status`, editor)
      t.same(
        sparseQueue.map((c) => c.id),
        queue.map((c) => c.id),
        `queue, sort=${sort}`,
      )
    }
    t.same(
      json(await get(app, `${publicUrl}?fields=id&limit=2&page=3`)).data,
      [{ id: others[3]!.id }],
      'page numbers too',
    )
  })

  t.test('an empty page still answers 404 for an unknown article, 200 for a known one', async (t) => {
    isProblem(t, await get(app, '/api/v1/articles/no-such-article/comments?fields=body'), 404, 'NOT_FOUND')
    const empty = await get(app, `${publicUrl}?fields=body&page=9`)
    t.equal(empty.statusCode, 200)
    t.same(json(empty).data, [])
  })
})
