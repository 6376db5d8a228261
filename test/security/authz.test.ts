import type { Test } from 'tap'
import t from 'tap'
import { buildTestApp, callers, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { body, isProblem, jsonPayload, noLeak, state, unchanged, type Res } from '../support/assert.js'
import { UNKNOWN_UUID, createArticle, createAuthor, createComment } from '../support/factories.js'

/**
 * Privilege escalation across every role, and the protected routes under every spelling of
 * their path: a refusal is a problem+json with a stable code, and the database is unchanged.
 */

interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  url: string
  payload?: object
}

/**
 * The rows the attempts aim at, built on an empty database: four authors; Thu Hà's published
 * `tram` with an approved comment (tram1) and a spam one; João's published `harbour` with an
 * approved comment (harbour1) and his draft; Yusuf's draft; Małgorzata's scheduled article.
 */
async function buildNewsroom(app: TestApp) {
  const [thuha, joao, yusuf, malgorzata] = [
    await createAuthor(app),
    await createAuthor(app),
    await createAuthor(app),
    await createAuthor(app),
  ]
  const tram = await createArticle(app, { state: 'published', authorId: thuha.id })
  const harbour = await createArticle(app, { state: 'published', authorId: joao.id })
  const joaoDraft = await createArticle(app, { authorId: joao.id })
  const yusufDraft = await createArticle(app, { authorId: yusuf.id })
  const scheduled = await createArticle(app, { state: 'scheduled', authorId: malgorzata.id })
  const tram1 = (await createComment(app, tram, { status: 'approved' })).id
  await createComment(app, tram, { status: 'spam' })
  const harbour1 = (await createComment(app, harbour, { status: 'approved' })).id
  /** Strings from the unpublished articles: title, slug, id and the start of the body. */
  const hiddenStrings = () =>
    [joaoDraft, yusufDraft, scheduled].flatMap((a) => [a.title, a.slug, a.id, a.body.slice(0, 60)])
  return { thuha, joao, yusuf, malgorzata, tram, harbour, joaoDraft, yusufDraft, tram1, harbour1, hiddenStrings }
}
type Newsroom = Awaited<ReturnType<typeof buildNewsroom>>

/** Every write the API offers, aimed at real rows. */
function everyWrite({ thuha, tram, joaoDraft, malgorzata, tram1 }: Newsroom, tokenId: string): Call[] {
  return [
    { method: 'POST', url: '/api/v1/articles', payload: { title: 'Escalation', authorId: thuha.id } },
    { method: 'PATCH', url: `/api/v1/articles/${tram.id}`, payload: { title: 'Hijacked' } },
    { method: 'DELETE', url: `/api/v1/articles/${tram.id}` },
    { method: 'POST', url: `/api/v1/articles/${joaoDraft.id}/publish`, payload: {} },
    { method: 'POST', url: `/api/v1/articles/${tram.id}/unpublish` },
    { method: 'POST', url: '/api/v1/authors', payload: { name: 'Intruder' } },
    { method: 'PATCH', url: `/api/v1/authors/${thuha.id}`, payload: { name: 'Hijacked' } },
    { method: 'DELETE', url: `/api/v1/authors/${malgorzata.id}` },
    { method: 'PATCH', url: `/api/v1/comments/${tram1}`, payload: { status: 'rejected' } },
    { method: 'DELETE', url: `/api/v1/comments/${tram1}` },
    { method: 'POST', url: '/api/v1/tokens', payload: { name: 'Escalated', role: 'admin' } },
    { method: 'DELETE', url: `/api/v1/tokens/${tokenId}` },
  ]
}

/** Staff-only reads. */
const staffReads = ({ tram1 }: Newsroom): Call[] => [
  { method: 'GET', url: '/api/v1/comments' },
  { method: 'GET', url: '/api/v1/comments?status=spam' },
  { method: 'GET', url: `/api/v1/comments/${tram1}` },
  { method: 'GET', url: '/api/v1/tokens' },
]

async function call(app: TestApp, c: Call, headers: Headers): Promise<Res> {
  const withIfMatch = c.method === 'PATCH' ? { ...headers, 'if-match': '*' } : headers
  return app.inject({
    method: c.method,
    url: c.url,
    headers: withIfMatch,
    ...(c.payload ? jsonPayload(c.payload) : {}),
  })
}

t.test('roles', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const w = await buildNewsroom(app)
  const { thuha, joao, yusuf, malgorzata, tram, harbour, joaoDraft, yusufDraft, tram1, harbour1, hiddenStrings } = w
  const who = await callers(app, joao.id, yusuf.id)
  const victimToken = await app.services.tokens.create({ name: 'victim', role: 'editor' })

  t.test(
    'anonymous callers get 401 with WWW-Authenticate on every write and staff read, nothing written',
    async (t) => {
      const before = await state(app)
      for (const c of [...everyWrite(w, victimToken.id), ...staffReads(w)]) {
        const res = await call(app, c, who.anonymous)
        isProblem(t, res, 401, 'UNAUTHORIZED')
        t.equal(res.headers['www-authenticate'], 'Bearer', `${c.method} ${c.url} challenges for a bearer token`)
        noLeak(t, res, hiddenStrings())
      }
      await unchanged(t, app, before)
    },
  )

  t.test('a viewer token writes nothing: every write and staff read is 403', async (t) => {
    const before = await state(app)
    for (const c of [...everyWrite(w, victimToken.id), ...staffReads(w)]) {
      const res = await call(app, c, who.viewer)
      isProblem(t, res, 403, 'FORBIDDEN')
      noLeak(t, res)
    }
    await unchanged(t, app, before)
  })

  t.test('malformed, unknown and over-long bearer tokens are 401 even on public routes, never anonymous', async (t) => {
    const before = await state(app)
    const bad = [
      'Basic dXNlcjpwYXNz',
      'Bearer',
      'Bearer ',
      'Bearer a b',
      `Bearer ${'a'.repeat(600)}`,
      `Bearer bs_${'A'.repeat(43)}`,
      `Bearer ${victimToken.secret.slice(0, -1)}`,
      `Bearer ${victimToken.secret}x`,
      `Token ${victimToken.secret}`,
      `Bearer ${victimToken.prefix}`,
      `Bearer ${victimToken.secret.toUpperCase()}`,
    ]
    for (const authorization of bad) {
      for (const url of [
        '/api/v1/articles?limit=1',
        `/api/v1/authors/${thuha.slug}`,
        '/api/v1/tokens',
        '/feeds/articles.rss',
        '/sitemaps/news.xml',
      ]) {
        const res = await app.inject({ url, headers: { authorization } })
        isProblem(t, res, 401, 'UNAUTHORIZED')
        t.equal(res.headers['www-authenticate'], 'Bearer')
        noLeak(t, res)
      }
      const post = await app.inject({
        method: 'POST',
        url: `/api/v1/articles/${tram.slug}/comments`,
        headers: { authorization },
        ...jsonPayload({ authorName: 'A', authorEmail: 'a@reader.test', body: 'x' }),
      })
      isProblem(t, post, 401, 'UNAUTHORIZED')
    }
    await unchanged(t, app, before)
  })

  t.test(
    'an author token cannot edit, delete, publish or unpublish another author’s published article (403)',
    async (t) => {
      const before = await state(app)
      for (const c of [
        { method: 'PATCH', url: `/api/v1/articles/${tram.id}`, payload: { title: 'Not mine' } },
        { method: 'PATCH', url: `/api/v1/articles/${tram.id}`, payload: { authorId: joao.id } },
        { method: 'DELETE', url: `/api/v1/articles/${tram.id}` },
        { method: 'POST', url: `/api/v1/articles/${tram.id}/publish`, payload: { publishAt: '2099-01-01T00:00:00Z' } },
        { method: 'POST', url: `/api/v1/articles/${tram.id}/unpublish` },
      ] as Call[]) {
        const res = await call(app, c, who.authorOwn)
        isProblem(t, res, 403, 'FORBIDDEN')
      }
      await unchanged(t, app, before)
    },
  )

  t.test('an author token cannot create an article for another author', async (t) => {
    const before = await state(app)
    for (const authorId of [thuha.id, yusuf.id, thuha.id.toUpperCase()]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/articles',
        headers: who.authorOwn,
        ...jsonPayload({ title: 'Ghostwritten', authorId }),
      })
      t.ok([400, 403].includes(res.statusCode), `authorId ${authorId} refused (${res.statusCode})`)
      isProblem(t, res, res.statusCode, res.statusCode === 403 ? 'FORBIDDEN' : 'VALIDATION_FAILED')
    }
    await unchanged(t, app, before)
  })

  t.test('an author token cannot move its own article to another author', async (t) => {
    const before = await state(app)
    for (const [headers, id] of [
      [who.authorOwn, joaoDraft.id],
      [who.authorOwn, harbour.id],
      [who.authorOther, yusufDraft.id],
    ] as [Headers, string][]) {
      const res = await app.inject({
        method: 'PATCH',
        url: `/api/v1/articles/${id}`,
        headers: { ...headers, 'if-match': '*' },
        ...jsonPayload({ authorId: thuha.id }),
      })
      isProblem(t, res, 403, 'FORBIDDEN')
      const mixed = await app.inject({
        method: 'PATCH',
        url: `/api/v1/articles/${id}`,
        headers: { ...headers, 'if-match': '*' },
        ...jsonPayload({ title: 'Harmless', authorId: thuha.id }),
      })
      isProblem(t, mixed, 403, 'FORBIDDEN')
    }
    await unchanged(t, app, before)
  })

  t.test('an author token cannot edit another author’s profile, create authors or delete any author', async (t) => {
    const before = await state(app)
    for (const c of [
      { method: 'PATCH', url: `/api/v1/authors/${thuha.id}`, payload: { bio: 'Defaced' } },
      { method: 'PATCH', url: `/api/v1/authors/${yusuf.id}`, payload: { email: 'attacker@reader.test' } },
      { method: 'POST', url: '/api/v1/authors', payload: { name: 'Sockpuppet' } },
      { method: 'DELETE', url: `/api/v1/authors/${joao.id}` },
      { method: 'DELETE', url: `/api/v1/authors/${malgorzata.id}` },
    ] as Call[]) {
      const res = await call(app, c, who.authorOwn)
      isProblem(t, res, 403, 'FORBIDDEN')
      noLeak(t, res)
    }
    await unchanged(t, app, before)
  })

  t.test('editor and author tokens cannot list, create or revoke tokens', async (t) => {
    const before = await state(app)
    for (const headers of [who.editor, who.authorOwn]) {
      for (const c of [
        { method: 'GET', url: '/api/v1/tokens' },
        { method: 'POST', url: '/api/v1/tokens', payload: { name: 'Up', role: 'admin' } },
        { method: 'POST', url: '/api/v1/tokens', payload: { name: 'Side', role: 'author', authorId: thuha.id } },
        { method: 'DELETE', url: `/api/v1/tokens/${victimToken.id}` },
        { method: 'DELETE', url: `/api/v1/tokens/${UNKNOWN_UUID}` },
      ] as Call[]) {
        const res = await call(app, c, headers)
        isProblem(t, res, 403, 'FORBIDDEN')
        noLeak(t, res)
        t.notOk(/"prefix"|"secret"/.test(res.body), 'no token data')
      }
    }
    await unchanged(t, app, before)
  })

  t.test('an editor cannot delete an author: that is for admins only', async (t) => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/authors',
      headers: who.admin,
      ...jsonPayload({ name: 'Deletable Person' }),
    })
    t.equal(created.statusCode, 201)
    const before = await state(app)
    const res = await app.inject({ method: 'DELETE', url: `/api/v1/authors/${body(created).id}`, headers: who.editor })
    isProblem(t, res, 403, 'FORBIDDEN')
    await unchanged(t, app, before)
  })

  t.test(
    'only editors and admins moderate: viewer and author tokens are 403 on the queue and comment writes',
    async (t) => {
      const before = await state(app)
      for (const headers of [who.viewer, who.authorOwn, who.authorOther]) {
        for (const c of [
          { method: 'GET', url: '/api/v1/comments' },
          { method: 'GET', url: `/api/v1/comments/${tram1}` },
          { method: 'PATCH', url: `/api/v1/comments/${tram1}`, payload: { status: 'spam' } },
          {
            method: 'PATCH',
            url: `/api/v1/comments/${harbour1}`,
            payload: { body: 'Edited by the author of the article' },
          },
          { method: 'DELETE', url: `/api/v1/comments/${tram1}` },
        ] as Call[]) {
          const res = await call(app, c, headers)
          isProblem(t, res, 403, 'FORBIDDEN')
          noLeak(t, res)
        }
      }
      await unchanged(t, app, before)
    },
  )

  t.test('a revoked token is 401 on its very next request, public routes included', async (t) => {
    const minted = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: who.admin,
      ...jsonPayload({ name: 'short-lived', role: 'editor' }),
    })
    t.equal(minted.statusCode, 201)
    const headers = { authorization: `Bearer ${body(minted).secret}` }
    t.equal((await app.inject({ url: '/api/v1/comments', headers })).statusCode, 200, 'works before revocation')
    t.equal(
      (await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${body(minted).id}`, headers: who.admin })).statusCode,
      204,
    )
    const before = await state(app)
    for (const c of [
      { method: 'GET', url: '/api/v1/comments' },
      { method: 'GET', url: '/api/v1/articles' },
      ...everyWrite(w, victimToken.id),
    ] as Call[]) {
      isProblem(t, await call(app, c, headers), 401, 'UNAUTHORIZED')
    }
    await unchanged(t, app, before)
  })

  t.test('deleting an author revokes the tokens bound to it', async (t) => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/authors',
      headers: who.admin,
      ...jsonPayload({ name: 'Short Tenure' }),
    })
    const authorId = body(created).id as string
    const headers = await tokenHeaders(app, 'author', authorId)
    const own = await app.inject({
      method: 'PATCH',
      url: `/api/v1/authors/${authorId}`,
      headers: { ...headers, 'if-match': '*' },
      ...jsonPayload({ bio: 'Mine' }),
    })
    t.equal(own.statusCode, 200, 'the token works for its author')
    t.equal(
      (await app.inject({ method: 'DELETE', url: `/api/v1/authors/${authorId}`, headers: who.admin })).statusCode,
      204,
    )
    const before = await state(app)
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/articles',
      headers,
      ...jsonPayload({ title: 'Orphan' }),
    })
    isProblem(t, res, 401, 'UNAUTHORIZED')
    isProblem(t, await app.inject({ url: '/api/v1/articles', headers }), 401, 'UNAUTHORIZED')
    await unchanged(t, app, before)
  })
})

t.test('path variants of protected routes', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const w = await buildNewsroom(app)
  const { thuha, tram, tram1 } = w
  const editor = await tokenHeaders(app, 'editor')
  const viewer = await tokenHeaders(app, 'viewer')
  const expectedCode: Record<number, string[]> = {
    400: ['BAD_REQUEST', 'VALIDATION_FAILED'],
    401: ['UNAUTHORIZED'],
    403: ['FORBIDDEN'],
    404: ['NOT_FOUND'],
    405: ['METHOD_NOT_ALLOWED'],
  }
  const variants = (resource: string) => [
    `/api/v1/${resource}/`,
    `/API/v1/${resource}`,
    `/api/V1/${resource}`,
    `/api/v1/${resource[0]!.toUpperCase()}${resource.slice(1)}`,
    `//api/v1/${resource}`,
    `/api/v1//${resource}`,
    `/api//v1/${resource}`,
    `/api/v1/%${resource.charCodeAt(0).toString(16)}${resource.slice(1)}`,
    `/api/v1/%25${resource.charCodeAt(0).toString(16)}${resource.slice(1)}`,
    `/api/v1/${resource}%2F`,
    `/api/v1/${resource}/..%2F${resource}`,
    `/api/v1/${resource}/%2e%2e/${resource}`,
    `/api/v1/./${resource}`,
    `/api/v1/${resource}/../${resource}`,
    `/api/v1/x/../${resource}`,
    `/api/v1/${resource};`,
    `/api/v1/${resource};jsessionid=1`,
    `/api/v1/${resource}%20`,
    `/api/v1/${resource}%09`,
    `/api/v1/${resource}.json`,
    `/api/v1/${resource}?`,
    `/api/v1/${resource}#x`,
    `/api/v1/${resource}%23x`,
    `/api/v1/${resource}\\`,
  ]

  /** Whatever a variant answers: never a 2xx, always problem+json with the code its status implies. */
  function refused(t: Test, res: Res, url: string, allowed: number[]) {
    t.ok(allowed.includes(res.statusCode), `${url} → ${res.statusCode} (allowed: ${allowed.join(', ')})`)
    t.match(String(res.headers['content-type']), /^application\/problem\+json/, `${url} answers problem+json`)
    t.ok(
      (expectedCode[res.statusCode] ?? []).includes(body(res)?.code),
      `${url}: code ${body(res)?.code} fits ${res.statusCode}`,
    )
    t.notOk(/"data"\s*:/.test(res.body), `${url}: no list data`)
  }

  t.test('no spelling of /api/v1/tokens lists tokens without a token', async (t) => {
    await app.services.tokens.create({ name: 'hidden', role: 'admin' })
    for (const url of variants('tokens')) {
      const res = await app.inject({ url })
      refused(t, res, url, [400, 401, 404])
      t.notOk(/"prefix"|"secret"|"role"/.test(res.body), `${url}: no token fields`)
      noLeak(t, res)
    }
  })

  t.test('no spelling of /api/v1/tokens lists, mints or revokes tokens for an editor token', async (t) => {
    const before = await state(app)
    const target = await app.services.tokens.create({ name: 'target', role: 'viewer' })
    const afterSetup = await state(app)
    for (const url of variants('tokens')) {
      refused(t, await app.inject({ url, headers: editor }), url, [400, 403, 404])
      const mint = await app.inject({
        method: 'POST',
        url,
        headers: editor,
        ...jsonPayload({ name: 'Escalated', role: 'admin' }),
      })
      refused(t, mint, `POST ${url}`, [400, 403, 404])
      t.notOk(/bs_[A-Za-z0-9_-]{43}/.test(mint.body), 'no secret minted')
    }
    for (const url of [
      `/api/v1/tokens/${target.id}/`,
      `/api/v1/Tokens/${target.id}`,
      `/api/v1/tokens/${target.id.toUpperCase()}`,
      `//api/v1/tokens/${target.id}`,
      `/api/v1/%74okens/${target.id}`,
    ]) {
      refused(t, await app.inject({ method: 'DELETE', url, headers: editor }), `DELETE ${url}`, [400, 403, 404])
    }
    await unchanged(t, app, afterSetup, 'no token minted or revoked')
    t.equal(afterSetup.tokens.length, before.tokens.length + 1)
  })

  t.test('no spelling of the moderation queue shows it to anonymous or viewer callers', async (t) => {
    for (const headers of [{}, viewer]) {
      for (const url of [
        ...variants('comments'),
        `/api/v1/comments/${tram1}/`,
        `/api/v1/Comments/${tram1}`,
        `/api/v1/comments/${tram1.toUpperCase()}`,
      ]) {
        const res = await app.inject({ url, headers })
        refused(t, res, url, [400, 401, 403, 404])
        t.notOk(/authorEmail/.test(res.body), `${url}: no commenter emails`)
        noLeak(t, res)
      }
    }
  })

  t.test('no spelling of a write route writes anything without a token', async (t) => {
    const before = await state(app)
    for (const url of variants('articles')) {
      const res = await app.inject({ method: 'POST', url, ...jsonPayload({ title: 'Smuggled', authorId: thuha.id }) })
      refused(t, res, `POST ${url}`, [400, 401, 404])
    }
    for (const url of [
      `/api/v1/articles/${tram.id}/`,
      `/api/v1/Articles/${tram.id}`,
      `//api/v1/articles/${tram.id}`,
      `/api/v1/%61rticles/${tram.id}`,
      `/api/v1/articles/${tram.id.toUpperCase()}`,
      `/api/v1/articles/${tram.id}%2F`,
    ]) {
      refused(t, await app.inject({ method: 'DELETE', url }), `DELETE ${url}`, [400, 401, 404])
      refused(
        t,
        await app.inject({ method: 'PATCH', url, headers: { 'if-match': '*' }, ...jsonPayload({ title: 'Defaced' }) }),
        `PATCH ${url}`,
        [400, 401, 404],
      )
      refused(
        t,
        await app.inject({ method: 'POST', url: `${url}/publish`, ...jsonPayload({}) }),
        `POST ${url}/publish`,
        [400, 401, 404],
      )
    }
    await unchanged(t, app, before)
  })

  t.test('HEAD, OPTIONS and TRACE on protected routes give nothing away', async (t) => {
    for (const url of ['/api/v1/tokens', '/api/v1/comments']) {
      const head = await app.inject({ method: 'HEAD', url })
      t.equal(head.statusCode, 401, `HEAD ${url} is 401`)
      t.equal(head.body, '', 'HEAD has no body')
      for (const method of ['OPTIONS', 'TRACE'] as const) {
        const res = await app.inject({
          method,
          url,
          headers: { 'access-control-request-method': 'GET', origin: 'https://evil.example' },
        })
        refused(t, res, `${method} ${url}`, [401, 404, 405])
        t.equal(
          res.headers['access-control-allow-origin'],
          undefined,
          `${method} ${url}: no CORS grant for an unlisted origin`,
        )
      }
    }
  })
})
