import { PassThrough } from 'node:stream'
import t from 'tap'
import { buildTestApp, callers, json, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { isProblem, state, unchanged } from '../support/assert.js'
import { createArticle } from '../support/factories.js'

/**
 * Draft preview links open exactly one draft: the article they were made for, read-only,
 * until they expire or are revoked; every other request with them is refused; and no
 * preview token ever reaches a log line.
 */

/** Every JSON log line the app writes, as text. */
function capture() {
  const lines: string[] = []
  const stream = new PassThrough()
  stream.setEncoding('utf8')
  let rest = ''
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n')
    rest = parts.pop()!
    lines.push(...parts.filter(Boolean))
  })
  return { stream, lines }
}

async function makePreview(app: TestApp, headers: Headers, idOrSlug: string, body?: object) {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${idOrSlug}/preview`,
    headers,
    ...(body ? { payload: body } : {}),
  })
  if (res.statusCode !== 201) throw new Error(`preview ${idOrSlug}: ${res.statusCode} ${res.body}`)
  return json(res) as { id: string; token: string; expiresAt: string; url?: string }
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** João's draft (the one previewed), another author's draft, and a published article, on an empty database. */
async function buildArticles(app: TestApp) {
  const joaoDraft = await createArticle(app, { title: 'Marathon organisers weigh a cooler start' })
  const yusufDraft = await createArticle(app)
  const tram = await createArticle(app, { state: 'published' })
  return { joaoDraft, yusufDraft, tram }
}

t.test('a preview token opens one draft and nothing else', async (t) => {
  const logs = capture()
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false, LOG_LEVEL: 'trace' }, { logStream: logs.stream })
  const { joaoDraft, yusufDraft, tram } = await buildArticles(app)
  const editor = await tokenHeaders(app, 'editor')
  const secrets: string[] = []

  const created = Date.now()
  const preview = await makePreview(app, editor, joaoDraft.slug)
  secrets.push(preview.token)
  t.match(preview.token, /^bsp_[A-Za-z0-9_-]{43}$/)
  t.ok(Math.abs(Date.parse(preview.expiresAt) - (created + 3600_000)) < 10_000, 'expires in an hour by default')
  t.notOk('url' in preview, 'no url without PREVIEW_URL')
  const stored = await app.db.prisma.previewToken.findMany()
  t.equal(stored.length, 1)
  t.notOk(JSON.stringify(stored).includes(preview.token), 'the secret is not stored, only its hash')

  // Its own draft, by id and by slug.
  for (const key of [joaoDraft.id, joaoDraft.slug, `${joaoDraft.slug}?include=author`]) {
    const res = await app.inject({ url: `/api/v1/articles/${key}`, headers: bearer(preview.token) })
    t.equal(res.statusCode, 200, `reads its draft: ${key}`)
    t.equal(json(res).status, 'draft')
    t.equal(json(res).title, joaoDraft.title)
    t.equal(res.headers['cache-control'], 'private, no-store', 'never cached')
    t.equal(res.headers['x-robots-tag'], 'noindex', 'never indexed')
  }
  t.equal(
    json(await app.inject({ url: `/api/v1/articles/${joaoDraft.slug}?include=author`, headers: bearer(preview.token) }))
      .author.id,
    joaoDraft.authorId,
  )

  // Not another article: drafts and published ones alike are unknown to it.
  for (const other of [yusufDraft.id, yusufDraft.slug, tram.id, tram.slug]) {
    isProblem(
      t,
      await app.inject({ url: `/api/v1/articles/${other}`, headers: bearer(preview.token) }),
      404,
      'NOT_FOUND',
    )
  }
  // Not a list, not comments, not history, not a write, not anything else.
  const before = await state(app)
  const elsewhere: [string, string, object?][] = [
    ['GET', '/api/v1/articles'],
    ['GET', `/api/v1/articles?status=draft`],
    ['GET', `/api/v1/articles/${joaoDraft.slug}/comments`],
    [
      'POST',
      `/api/v1/articles/${joaoDraft.slug}/comments`,
      { authorName: 'P', authorEmail: 'p@example.test', body: 'hi' },
    ],
    ['GET', `/api/v1/articles/${joaoDraft.slug}/revisions`],
    ['GET', '/api/v1/authors'],
    ['GET', `/api/v1/authors/${joaoDraft.authorId}`],
    ['GET', '/api/v1/trash'],
    ['GET', '/api/v1/comments'],
    ['GET', '/api/v1/tokens'],
    ['GET', '/feeds/articles.atom'],
    ['GET', '/sitemap.xml'],
    ['PATCH', `/api/v1/articles/${joaoDraft.id}`, { title: 'Hijacked' }],
    ['POST', `/api/v1/articles/${joaoDraft.id}/publish`],
    ['DELETE', `/api/v1/articles/${joaoDraft.id}`],
    ['POST', `/api/v1/articles/${joaoDraft.id}/preview`],
    ['POST', '/api/v1/articles', { title: 'New', authorId: joaoDraft.authorId }],
    ['POST', '/api/v1/articles/bulk', { action: 'publish', ids: [joaoDraft.id] }],
  ]
  for (const [method, url, payload] of elsewhere) {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { ...bearer(preview.token), 'if-match': '*' },
      ...(payload ? { payload } : {}),
    })
    isProblem(t, res, 401, 'UNAUTHORIZED')
  }
  await unchanged(t, app, before, 'a preview token wrote nothing')

  // A pasted token in a query string or a path is a 400 or 404 like any bad input, and never logged.
  t.equal((await app.inject(`/api/v1/articles/${joaoDraft.slug}?token=${preview.token}`)).statusCode, 400)
  t.equal((await app.inject(`/api/v1/articles/${preview.token}`)).statusCode, 404)
  t.equal((await app.inject(`/nowhere/${preview.token}?token=${preview.token}`)).statusCode, 404)

  // Revoked: that one stops working, others of the article do not.
  const second = await makePreview(app, editor, joaoDraft.id, { expiresIn: 600 })
  secrets.push(second.token)
  t.equal(
    (
      await app.inject({
        method: 'DELETE',
        url: `/api/v1/articles/${joaoDraft.slug}/preview/${preview.id}`,
        headers: editor,
      })
    ).statusCode,
    204,
  )
  isProblem(
    t,
    await app.inject({ url: `/api/v1/articles/${joaoDraft.id}`, headers: bearer(preview.token) }),
    401,
    'UNAUTHORIZED',
  )
  t.equal(
    (await app.inject({ url: `/api/v1/articles/${joaoDraft.id}`, headers: bearer(second.token) })).statusCode,
    200,
    'another link still works',
  )
  isProblem(
    t,
    await app.inject({
      method: 'DELETE',
      url: `/api/v1/articles/${joaoDraft.slug}/preview/${preview.id}`,
      headers: editor,
    }),
    404,
    'NOT_FOUND',
  )
  // Revoke every link of the article.
  t.equal(
    (await app.inject({ method: 'DELETE', url: `/api/v1/articles/${joaoDraft.slug}/preview`, headers: editor }))
      .statusCode,
    204,
  )
  isProblem(
    t,
    await app.inject({ url: `/api/v1/articles/${joaoDraft.id}`, headers: bearer(second.token) }),
    401,
    'UNAUTHORIZED',
  )

  // Expired: an hour later (the row's expiry moved into the past), it opens nothing.
  const third = await makePreview(app, editor, joaoDraft.id)
  secrets.push(third.token)
  await app.db.prisma.previewToken.updateMany({
    where: { articleId: joaoDraft.id },
    data: { expiresAt: new Date(Date.now() - 1000) },
  })
  isProblem(
    t,
    await app.inject({ url: `/api/v1/articles/${joaoDraft.id}`, headers: bearer(third.token) }),
    401,
    'UNAUTHORIZED',
  )

  // Gone with the token that made it, and closed while its article is in the trash.
  const desk = await app.services.tokens.create({ name: 'desk', role: 'editor' })
  const fourth = await makePreview(app, bearer(desk.secret), joaoDraft.id)
  secrets.push(fourth.token)
  t.equal(
    (await app.inject({ url: `/api/v1/articles/${joaoDraft.id}`, headers: bearer(fourth.token) })).statusCode,
    200,
  )
  await app.services.tokens.remove(desk.id)
  isProblem(
    t,
    await app.inject({ url: `/api/v1/articles/${joaoDraft.id}`, headers: bearer(fourth.token) }),
    401,
    'UNAUTHORIZED',
  )
  const fifth = await makePreview(app, editor, joaoDraft.id)
  secrets.push(fifth.token)
  await app.inject({ method: 'DELETE', url: `/api/v1/articles/${joaoDraft.id}`, headers: editor })
  isProblem(
    t,
    await app.inject({ url: `/api/v1/articles/${joaoDraft.id}`, headers: bearer(fifth.token) }),
    404,
    'NOT_FOUND',
  )

  // No preview token in any log line, however it was sent.
  t.ok(logs.lines.length > 50, `${logs.lines.length} log lines captured`)
  t.ok(
    logs.lines.some((line) => line.includes('[redacted]')),
    'the redaction is live (a token query value was redacted)',
  )
  const leaked = logs.lines.filter(
    (line) => secrets.some((secret) => line.includes(secret)) || /bsp_[A-Za-z0-9_-]{43}/.test(line),
  )
  t.same(leaked, [], 'no preview token in any log line')
})

t.test('who may make preview links, for how long, and the ready link', async (t) => {
  const app = await buildTestApp(t, {
    SEED_ON_EMPTY: false,
    PREVIEW_URL: 'https://site.example/api/draft?token={token}&slug={slug}&id={id}',
  })
  const { joaoDraft, tram } = await buildArticles(app)
  const who = await callers(app, joaoDraft.authorId, tram.authorId)
  const expected: Record<string, number> = {
    anonymous: 401,
    viewer: 403,
    authorOwn: 201,
    authorOther: 404,
    editor: 201,
    admin: 201,
  }
  for (const [caller, headers] of Object.entries(who)) {
    const res = await app.inject({ method: 'POST', url: `/api/v1/articles/${joaoDraft.id}/preview`, headers })
    t.equal(res.statusCode, expected[caller], `${caller} on another's draft`)
  }
  const published = await app.inject({
    method: 'POST',
    url: `/api/v1/articles/${tram.id}/preview`,
    headers: who.authorOwn,
  })
  isProblem(t, published, 403, 'FORBIDDEN')

  const preview = await makePreview(app, who.editor, joaoDraft.slug, { expiresIn: 7 * 24 * 3600 })
  t.equal(
    preview.url,
    `https://site.example/api/draft?token=${preview.token}&slug=${joaoDraft.slug}&id=${joaoDraft.id}`,
    'the ready link',
  )
  t.ok(Date.parse(preview.expiresAt) - Date.now() > 7 * 24 * 3600_000 - 60_000, 'up to seven days')
  for (const expiresIn of [59, 7 * 24 * 3600 + 1]) {
    isProblem(
      t,
      await app.inject({
        method: 'POST',
        url: `/api/v1/articles/${joaoDraft.id}/preview`,
        headers: who.editor,
        payload: { expiresIn },
      }),
      400,
      'VALIDATION_FAILED',
      '/body/expiresIn',
    )
  }
  // Shown once: a retry with the same Idempotency-Key is told so, never given the token again.
  const key = { ...who.editor, 'idempotency-key': 'preview-once' }
  t.equal(
    (await app.inject({ method: 'POST', url: `/api/v1/articles/${joaoDraft.id}/preview`, headers: key })).statusCode,
    201,
  )
  isProblem(
    t,
    await app.inject({ method: 'POST', url: `/api/v1/articles/${joaoDraft.id}/preview`, headers: key }),
    409,
    'IDEMPOTENCY_KEY_USED',
  )
})

t.test('the live preview links of an article: who made them and until when, never their tokens', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { joaoDraft, yusufDraft, tram } = await buildArticles(app)
  const who = await callers(app, joaoDraft.authorId, tram.authorId)
  const list = (idOrSlug: string, headers: Headers, query = '') =>
    app.inject({ url: `/api/v1/articles/${idOrSlug}/preview${query}`, headers })

  // Who may see them: whoever may make them.
  const expected: Record<string, number> = {
    anonymous: 401,
    viewer: 403,
    authorOwn: 200,
    authorOther: 404,
    editor: 200,
    admin: 200,
  }
  for (const [caller, headers] of Object.entries(who))
    t.equal((await list(joaoDraft.id, headers)).statusCode, expected[caller], caller)
  const none = json(await list(joaoDraft.slug, who.editor))
  t.same(none.data, [], 'none yet')
  t.equal(none.meta.total, 0)

  const desk = await app.services.tokens.create({ name: 'desk', role: 'editor' })
  const made = []
  for (const expiresIn of [600, 1200, 1800]) {
    made.push(await makePreview(app, bearer(desk.secret), joaoDraft.id, { expiresIn }))
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const other = await makePreview(app, who.editor, yusufDraft.id)

  const res = await list(joaoDraft.slug, who.editor)
  t.equal(res.statusCode, 200)
  t.match(res.headers['cache-control'], /^private/, 'not for shared caches')
  const page = json(res)
  t.same(
    page.data.map((l: { id: string }) => l.id),
    made.map((m) => m.id).reverse(),
    "newest first, only this article's",
  )
  t.equal(page.meta.total, 3)
  for (const [i, link] of page.data.entries()) {
    const m = made[made.length - 1 - i]!
    t.equal(link.prefix, m.token.slice(0, 12), 'the first characters of the token')
    t.equal(link.expiresAt, m.expiresAt)
    t.same(link.by, { tokenId: desk.id, name: 'desk' }, 'who made it')
  }
  for (const secret of [...made.map((m) => m.token), other.token])
    t.notOk(res.body.includes(secret), 'no token in the list')
  t.notOk(/hash/i.test(res.body), 'no hash either')

  // Paged like every list.
  const first = await list(joaoDraft.id, who.editor, '?limit=2')
  t.equal(json(first).data.length, 2)
  t.match(first.headers.link, /rel="next"/)
  const rest = json(await list(joaoDraft.id, who.editor, `?limit=2&cursor=${json(first).meta.nextCursor}`))
  t.same(
    rest.data.map((l: { id: string }) => l.id),
    [made[0]!.id],
    'the oldest on the second page',
  )

  // Revoked and expired links are no longer listed; a preview token cannot list anything.
  t.equal(
    (
      await app.inject({
        method: 'DELETE',
        url: `/api/v1/articles/${joaoDraft.id}/preview/${made[1]!.id}`,
        headers: who.editor,
      })
    ).statusCode,
    204,
  )
  await app.db.prisma.previewToken.update({
    where: { id: made[0]!.id },
    data: { expiresAt: new Date(Date.now() - 1000) },
  })
  t.same(
    json(await list(joaoDraft.id, who.editor)).data.map((l: { id: string }) => l.id),
    [made[2]!.id],
    'only the live one',
  )
  isProblem(t, await list(joaoDraft.id, bearer(made[2]!.token)), 401, 'UNAUTHORIZED')
  isProblem(t, await list(joaoDraft.id, who.editor, '?limit=500'), 400, 'VALIDATION_FAILED', '/query/limit')
})
