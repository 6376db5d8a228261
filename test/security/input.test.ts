import t from 'tap'
import { buildTestApp, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { body, isProblem, jsonPayload, noLeak, state, unchanged, type Res } from '../support/assert.js'
import { UNKNOWN_UUID, createArticle, createAuthor, createComment } from '../support/factories.js'

/**
 * Hostile request bodies, media types and parameters: every one is refused with a precise
 * problem+json, reaches no database write and shows nothing of the server's insides.
 */

const tramComment = (commentKey: string) => `/api/v1/comments/${commentKey}`
const commentsOf = (idOrSlug: string) => `/api/v1/articles/${idOrSlug}/comments`
const goodComment = { authorName: 'Ana', authorEmail: 'ana@reader.test', body: 'Finally!' }

async function send(
  app: TestApp,
  method: string,
  url: string,
  headers: Headers,
  payload?: string | Buffer,
): Promise<Res> {
  return app.inject({ method: method as 'POST', url, headers, ...(payload === undefined ? {} : { payload }) })
}

/**
 * The rows the requests aim at, built on an empty database: Thu Hà's published `tram` with an
 * approved comment and a pending one, João and his draft.
 */
async function buildNewsroom(app: TestApp) {
  const [thuha, joao] = [await createAuthor(app), await createAuthor(app)]
  const tram = await createArticle(app, { state: 'published', authorId: thuha.id })
  await createComment(app, tram, { status: 'approved' })
  await createComment(app, tram, { status: 'pending' })
  const joaoDraft = await createArticle(app, { authorId: joao.id })
  return { thuha, joao, tram, joaoDraft }
}

t.test('bodies, media types and parameters', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { thuha, joao, tram } = await buildNewsroom(app)
  const editor = await tokenHeaders(app, 'editor')
  const admin = await tokenHeaders(app, 'admin')
  const tram1 = (await app.db.prisma.comment.findFirst({
    where: { articleId: tram.id },
    orderBy: { createdAt: 'asc' },
  }))!.id
  const jsonType = { 'content-type': 'application/json' }

  t.test('malformed JSON bodies are 400 BAD_REQUEST without parser internals, nothing written', async (t) => {
    const before = await state(app)
    for (const text of [
      '{"title":',
      "{'title':'x'}",
      '{"title":"x",}',
      '{} {}',
      '{"title":NaN}',
      '{"title":"x"',
      '\u0000',
      '',
    ]) {
      const articleRes = await send(app, 'POST', '/api/v1/articles', { ...editor, ...jsonType }, text)
      isProblem(t, articleRes, 400, 'BAD_REQUEST')
      noLeak(t, articleRes)
      const commentRes = await send(app, 'POST', commentsOf(tram.slug), jsonType, text)
      isProblem(t, commentRes, 400, 'BAD_REQUEST')
      noLeak(t, commentRes)
    }
    await unchanged(t, app, before)
  })

  t.test('__proto__ and constructor.prototype keys are refused and pollute nothing', async (t) => {
    const before = await state(app)
    const cases: [string, string, Headers, string][] = [
      [
        'POST',
        '/api/v1/articles',
        editor,
        `{"title":"Proto","authorId":"${thuha.id}","__proto__":{"status":"published","publishedAt":"2020-01-01T00:00:00Z"}}`,
      ],
      [
        'POST',
        commentsOf(tram.slug),
        {},
        '{"authorName":"A","authorEmail":"a@reader.test","body":"x","constructor":{"prototype":{"status":"approved"}}}',
      ],
      [
        'PATCH',
        tramComment(tram1),
        { ...editor, 'if-match': '*' },
        '{"body":"x","__proto__":{"status":"approved","isAdmin":true}}',
      ],
      ['POST', '/api/v1/tokens', admin, '{"name":"p","role":"viewer","__proto__":{"role":"admin"}}'],
    ]
    for (const [method, url, headers, text] of cases) {
      const res = await send(app, method, url, { ...headers, ...jsonType }, text)
      isProblem(t, res, 400, 'BAD_REQUEST')
      noLeak(t, res)
    }
    const probe = {} as Record<string, unknown>
    t.equal(probe.status, undefined, 'Object.prototype.status is untouched')
    t.equal(probe.isAdmin, undefined, 'Object.prototype.isAdmin is untouched')
    t.equal(probe.role, undefined, 'Object.prototype.role is untouched')
    await unchanged(t, app, before)
  })

  t.test('deeply nested JSON (100 000 levels) is a 400 naming the field, not a stack overflow', async (t) => {
    const before = await state(app)
    const deepArray = `{"title":"Deep","authorId":"${thuha.id}","tags":${'['.repeat(100_000)}${']'.repeat(100_000)}}`
    const res = await send(
      app,
      'POST',
      '/api/v1/articles',
      { ...editor, ...jsonType, 'idempotency-key': 'deep-1' },
      deepArray,
    )
    const problem = isProblem(t, res, 400, 'VALIDATION_FAILED')
    t.ok(
      problem?.errors?.every((e: { path: string }) => e.path.startsWith('/body/tags')),
      'the culprit is /body/tags',
    )
    noLeak(t, res)
    // 10 000 levels: as deep as a comment body can be within the comment routes' 64 KiB limit.
    const deepObject = `{"authorName":"A","authorEmail":"a@reader.test","body":"x","x":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`
    const res2 = await send(
      app,
      'POST',
      commentsOf(tram.slug),
      { ...jsonType, 'idempotency-key': 'deep-2' },
      deepObject,
    )
    isProblem(t, res2, 400, 'VALIDATION_FAILED')
    noLeak(t, res2)
    await unchanged(t, app, before)
  })

  t.test('arrays, null and scalars where an object is expected are 400 at /body', async (t) => {
    const before = await state(app)
    for (const text of ['[]', '[{"title":"x"}]', 'null', '"title"', '5', 'true']) {
      const res = await send(app, 'POST', '/api/v1/articles', { ...editor, ...jsonType }, text)
      isProblem(t, res, 400, 'VALIDATION_FAILED', '/body')
      const res2 = await send(app, 'POST', commentsOf(tram.slug), jsonType, text)
      isProblem(t, res2, 400, 'VALIDATION_FAILED', '/body')
      const res3 = await send(
        app,
        'PATCH',
        `/api/v1/articles/${tram.id}`,
        { ...editor, ...jsonType, 'if-match': '*' },
        text,
      )
      isProblem(t, res3, 400, 'VALIDATION_FAILED', '/body')
    }
    await unchanged(t, app, before)
  })

  t.test('numbers, booleans and arrays are never coerced into strings in bodies', async (t) => {
    const before = await state(app)
    const cases: [string, string, Headers, unknown, string][] = [
      ['POST', '/api/v1/articles', editor, { title: 5, authorId: thuha.id }, '/body/title'],
      ['POST', '/api/v1/articles', editor, { title: true, authorId: thuha.id }, '/body/title'],
      ['POST', '/api/v1/articles', editor, { title: ['x'], authorId: thuha.id }, '/body/title'],
      ['POST', '/api/v1/articles', editor, { title: 'x', authorId: thuha.id, tags: 'transport' }, '/body/tags'],
      ['POST', '/api/v1/articles', editor, { title: 'x', authorId: 123 }, '/body/authorId'],
      ['PATCH', tramComment(tram1), { ...editor, 'if-match': '*' }, { status: ['approved'] }, '/body/status'],
      ['POST', commentsOf(tram.slug), {}, { ...goodComment, authorName: 42 }, '/body/authorName'],
      ['POST', '/api/v1/tokens', admin, { name: 'x', role: ['admin'] }, '/body/role'],
      ['POST', '/api/v1/authors', editor, { name: { first: 'A' } }, '/body/name'],
    ]
    for (const [method, url, headers, payload, path] of cases) {
      const res = await send(app, method, url, { ...headers, ...jsonType }, JSON.stringify(payload))
      isProblem(t, res, 400, 'VALIDATION_FAILED', path)
      noLeak(t, res)
    }
    await unchanged(t, app, before)
  })

  t.test('strings and lists over their schema limits are 400 naming the field', async (t) => {
    const before = await state(app)
    const cases: [string, string, Headers, unknown, string][] = [
      ['POST', '/api/v1/articles', editor, { title: 'T'.repeat(301), authorId: thuha.id }, '/body/title'],
      [
        'POST',
        '/api/v1/articles',
        editor,
        { title: 'x', authorId: thuha.id, excerpt: 'e'.repeat(2001) },
        '/body/excerpt',
      ],
      [
        'POST',
        '/api/v1/articles',
        editor,
        { title: 'x', authorId: thuha.id, tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
        '/body/tags',
      ],
      ['POST', '/api/v1/articles', editor, { title: 'x', authorId: thuha.id, tags: ['a'.repeat(51)] }, '/body/tags/0'],
      ['POST', '/api/v1/articles', editor, { title: 'x', authorId: thuha.id, slug: 's'.repeat(121) }, '/body/slug'],
      ['POST', '/api/v1/authors', editor, { name: 'N'.repeat(201) }, '/body/name'],
      ['POST', '/api/v1/authors', editor, { name: 'N', bio: 'b'.repeat(5001) }, '/body/bio'],
      ['POST', '/api/v1/authors', editor, { name: 'N', email: `${'a'.repeat(250)}@x.test` }, '/body/email'],
      ['POST', commentsOf(tram.slug), {}, { ...goodComment, body: 'b'.repeat(10_001) }, '/body/body'],
      ['POST', commentsOf(tram.slug), {}, { ...goodComment, authorName: 'n'.repeat(101) }, '/body/authorName'],
      ['POST', commentsOf(tram.slug), {}, { ...goodComment, website: 'w'.repeat(201) }, '/body/website'],
      ['POST', '/api/v1/tokens', admin, { name: 'n'.repeat(101), role: 'viewer' }, '/body/name'],
    ]
    for (const [method, url, headers, payload, path] of cases) {
      const res = await send(app, method, url, { ...headers, ...jsonType }, JSON.stringify(payload))
      isProblem(t, res, 400, 'VALIDATION_FAILED', path)
      noLeak(t, res)
    }
    await unchanged(t, app, before)
  })

  t.test('NUL bytes and lone surrogates in a body are 400 naming the field', async (t) => {
    const before = await state(app)
    const cases: [string, string, Headers, string, string][] = [
      ['POST', '/api/v1/articles', editor, JSON.stringify({ title: 'a\u0000b', authorId: thuha.id }), '/body/title'],
      ['POST', '/api/v1/articles', editor, `{"title":"a\\ud800b","authorId":"${thuha.id}"}`, '/body/title'],
      [
        'POST',
        '/api/v1/articles',
        editor,
        `{"title":"ok","authorId":"${thuha.id}","tags":["ok","a\\udc00"]}`,
        '/body/tags/1',
      ],
      [
        'POST',
        commentsOf(tram.slug),
        {},
        `{"authorName":"A","authorEmail":"a@reader.test","body":"hi \\udbff"}`,
        '/body/body',
      ],
      [
        'POST',
        commentsOf(tram.slug),
        {},
        JSON.stringify({ ...goodComment, authorName: 'A\u0000' }),
        '/body/authorName',
      ],
      ['PATCH', `/api/v1/authors/${joao.id}`, { ...editor, 'if-match': '*' }, '{"bio":"\\u0000"}', '/body/bio'],
    ]
    for (const [method, url, headers, text, path] of cases) {
      const res = await send(app, method, url, { ...headers, ...jsonType }, text)
      isProblem(t, res, 400, 'VALIDATION_FAILED', path)
      noLeak(t, res)
    }
    await unchanged(t, app, before)
  })

  t.test('NUL bytes in query strings and path parameters are 400 naming the parameter', async (t) => {
    const before = await state(app)
    const cases: [string, string, string][] = [
      ['GET', '/api/v1/articles?q=a%00b', '/query/q'],
      ['GET', '/api/v1/articles?tag=x%00', '/query/tag'],
      ['GET', '/api/v1/authors?q=%00', '/query/q'],
      ['GET', '/api/v1/articles/a%00b', '/params/idOrSlug'],
      ['GET', '/api/v1/authors/a%00b', '/params/idOrSlug'],
      ['POST', `${commentsOf('a%00b')}`, '/params/idOrSlug'],
    ]
    for (const [method, url, path] of cases) {
      const res = await send(
        app,
        method,
        url,
        method === 'POST' ? jsonType : {},
        method === 'POST' ? JSON.stringify(goodComment) : undefined,
      )
      isProblem(t, res, 400, 'VALIDATION_FAILED', path)
      noLeak(t, res)
    }
    await unchanged(t, app, before)
  })

  t.test('undecodable percent-escapes are a 400 in paths and never a 500 in queries', async (t) => {
    const before = await state(app)
    for (const url of [
      '/api/v1/articles/%ED%A0%80',
      '/api/v1/articles/%E0%A4%A',
      '/api/v1/authors/%C0%AF',
      '/feeds/tags/%ED%A0%80.rss',
      '/feeds/authors/%C0%AF.json',
      '/sitemaps/articles-%E0%A4%A.xml',
    ]) {
      const res = await send(app, 'GET', url, {})
      isProblem(t, res, 400, 'BAD_REQUEST')
      noLeak(t, res)
    }
    for (const url of [
      '/api/v1/articles?q=a%ED%A0%80b',
      '/api/v1/articles?q=%',
      '/api/v1/authors?q=%E0%A4%A',
      '/api/v1/articles?tag=%C0%AF',
    ]) {
      const res = await send(app, 'GET', url, {})
      t.equal(res.statusCode, 200, `${url} is answered`)
      t.same(body(res).data, [], 'and matches nothing')
    }
    await unchanged(t, app, before)
  })

  t.test('text/plain, form, multipart, XML and missing content types are 415, never parsed', async (t) => {
    const before = await state(app)
    const article = JSON.stringify({ title: 'Smuggled', authorId: thuha.id })
    const comment = JSON.stringify(goodComment)
    const types: (string | undefined)[] = [
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=----x',
      'application/xml',
      'application/jsonx',
      'application/vnd.api+json',
      'application/x-json',
      undefined,
    ]
    for (const type of types) {
      const headers: Headers = type === undefined ? {} : { 'content-type': type }
      const res = await send(app, 'POST', '/api/v1/articles', { ...editor, ...headers }, Buffer.from(article))
      isProblem(t, res, 415, 'UNSUPPORTED_MEDIA_TYPE')
      const res2 = await send(app, 'POST', commentsOf(tram.slug), headers, Buffer.from(comment))
      isProblem(t, res2, 415, 'UNSUPPORTED_MEDIA_TYPE')
      const res3 = await send(
        app,
        'POST',
        '/api/v1/tokens',
        { ...admin, ...headers },
        Buffer.from('{"name":"x","role":"admin"}'),
      )
      isProblem(t, res3, 415, 'UNSUPPORTED_MEDIA_TYPE')
      noLeak(t, res3)
    }
    const form = await send(
      app,
      'POST',
      '/api/v1/articles',
      { ...editor, 'content-type': 'application/x-www-form-urlencoded' },
      `title=Form&authorId=${thuha.id}&status=published`,
    )
    isProblem(t, form, 415, 'UNSUPPORTED_MEDIA_TYPE')
    await unchanged(t, app, before)
  })

  t.test('json-patch+json and merge-patch+json are 415 on PATCH, nothing changed', async (t) => {
    const before = await state(app)
    const ops = JSON.stringify([
      { op: 'replace', path: '/publishedAt', value: null },
      { op: 'replace', path: '/authorId', value: joao.id },
    ])
    for (const [type, text] of [
      ['application/json-patch+json', ops],
      ['application/merge-patch+json', JSON.stringify({ title: 'Merged', commentCount: 99 })],
    ] as const) {
      for (const url of [`/api/v1/articles/${tram.id}`, `/api/v1/authors/${thuha.id}`, tramComment(tram1)]) {
        const res = await send(app, 'PATCH', url, { ...admin, 'if-match': '*', 'content-type': type }, text)
        isProblem(t, res, 415, 'UNSUPPORTED_MEDIA_TYPE')
        noLeak(t, res)
      }
    }
    await unchanged(t, app, before)
  })

  t.test(
    'case and parameter variants of application/json get full validation: mass assignment is still 400',
    async (t) => {
      const before = await state(app)
      const text = JSON.stringify({ title: 'Variant', authorId: thuha.id, status: 'published' })
      for (const type of [
        'Application/JSON',
        'APPLICATION/JSON; CHARSET=UTF-8',
        'application/json; charset=utf-16',
        'application/json;charset=latin1',
        'application/json\t;',
        'application/json; foo=bar',
      ]) {
        const res = await send(app, 'POST', '/api/v1/articles', { ...editor, 'content-type': type }, text)
        t.not(res.statusCode, 201, `${JSON.stringify(type)} is no way around validation`)
        if (res.statusCode === 415) isProblem(t, res, 415, 'UNSUPPORTED_MEDIA_TYPE')
        else isProblem(t, res, 400, 'VALIDATION_FAILED', '/body/status')
      }
      // Real UTF-16 bytes are not JSON to a UTF-8 parser: refused, not half-read.
      const utf16 = await send(
        app,
        'POST',
        '/api/v1/articles',
        { ...editor, 'content-type': 'application/json; charset=utf-16' },
        Buffer.from(text, 'utf16le'),
      )
      t.ok([400, 415].includes(utf16.statusCode), `UTF-16 bytes are refused (${utf16.statusCode})`)
      t.match(String(utf16.headers['content-type']), /^application\/problem\+json/)
      await unchanged(t, app, before)
    },
  )

  t.test('a malformed Idempotency-Key is a 400 naming the header, nothing written', async (t) => {
    const before = await state(app)
    for (const key of ['k'.repeat(256), 'two words', '', 'tab\there']) {
      const res = await send(
        app,
        'POST',
        '/api/v1/articles',
        { ...editor, ...jsonType, 'idempotency-key': key },
        JSON.stringify({ title: 'Keyed', authorId: thuha.id }),
      )
      isProblem(t, res, 400, 'VALIDATION_FAILED', '/headers/idempotency-key')
      const res2 = await send(
        app,
        'POST',
        commentsOf(tram.slug),
        { ...jsonType, 'idempotency-key': key },
        JSON.stringify(goodComment),
      )
      isProblem(t, res2, 400, 'VALIDATION_FAILED', '/headers/idempotency-key')
    }
    await unchanged(t, app, before)
  })

  t.test('X-HTTP-Method-Override and friends do not turn a POST into a DELETE or PATCH', async (t) => {
    const before = await state(app)
    for (const header of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
      const res = await send(
        app,
        'POST',
        `/api/v1/articles/${tram.id}`,
        { ...admin, ...jsonType, [header]: 'DELETE' },
        '{}',
      )
      isProblem(t, res, 404, 'NOT_FOUND')
      const res2 = await send(
        app,
        'POST',
        `/api/v1/authors/${thuha.id}`,
        { ...admin, ...jsonType, [header]: 'PATCH', 'if-match': '*' },
        '{"name":"Overridden"}',
      )
      isProblem(t, res2, 404, 'NOT_FOUND')
    }
    await unchanged(t, app, before)
  })
})

t.test('request size', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false, BODY_LIMIT_BYTES: 2048 })
  const { thuha, tram } = await buildNewsroom(app)
  const editor = await tokenHeaders(app, 'editor')

  t.test(
    'a body over BODY_LIMIT_BYTES is 413 for token writes and anonymous comments alike, nothing written',
    async (t) => {
      const before = await state(app)
      const cases: [string, string, Headers, unknown][] = [
        ['POST', '/api/v1/articles', editor, { title: 'Big', authorId: thuha.id, body: 'b'.repeat(5000) }],
        ['POST', commentsOf(tram.slug), {}, { ...goodComment, body: 'b'.repeat(3000) }],
        ['PATCH', `/api/v1/authors/${thuha.id}`, { ...editor, 'if-match': '*' }, { bio: 'b'.repeat(3000) }],
        ['POST', '/api/v1/authors', editor, { name: 'Big', bio: '€'.repeat(1000) }], // 3000 bytes in 1000 characters
      ]
      for (const [method, url, headers, payload] of cases) {
        const res = await send(
          app,
          method,
          url,
          { ...headers, 'content-type': 'application/json' },
          JSON.stringify(payload),
        )
        isProblem(t, res, 413, 'PAYLOAD_TOO_LARGE')
        noLeak(t, res)
      }
      const small = await app.inject({
        method: 'POST',
        url: commentsOf(tram.slug),
        ...jsonPayload({ ...goodComment, body: 'fits' }),
      })
      t.equal(small.statusCode, 201, 'a body under the limit is still accepted (the limit is not a blanket refusal)')
      const after = await state(app)
      t.equal(after.comments.length, before.comments.length + 1, 'only the small comment was stored')
      t.same(after.articles, before.articles, 'no article written')
      t.same(after.authors, before.authors, 'no author written')
    },
  )
})

t.test('mass assignment of server-owned fields', async (t) => {
  const app = await buildTestApp(t, { SEED_ON_EMPTY: false })
  const { thuha, joao, tram, joaoDraft } = await buildNewsroom(app)
  const editor = await tokenHeaders(app, 'editor')
  const admin = await tokenHeaders(app, 'admin')
  const joaoToken = await tokenHeaders(app, 'author', joao.id)
  const tram1 = (await app.db.prisma.comment.findFirst({
    where: { articleId: tram.id },
    orderBy: { createdAt: 'asc' },
  }))!.id
  const ts = '2001-01-01T00:00:00.000Z'

  t.test('POST /articles cannot set id, status, publishedAt, commentCount, timestamps or version', async (t) => {
    const before = await state(app)
    const owned = {
      id: UNKNOWN_UUID,
      status: 'published',
      publishedAt: ts,
      commentCount: 99,
      createdAt: ts,
      updatedAt: ts,
      version: 7,
      author: { id: joao.id },
    }
    for (const [field, value] of Object.entries(owned)) {
      for (const [who, headers, extra] of [
        ['editor', editor, { authorId: thuha.id }],
        ['author', joaoToken, {}],
      ] as const) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/articles',
          headers,
          ...jsonPayload({ title: `Mass ${field}`, ...extra, [field]: value }),
        })
        isProblem(t, res, 400, 'VALIDATION_FAILED', `/body/${field}`)
        t.comment(`${who} setting ${field}`)
      }
    }
    await unchanged(t, app, before)
  })

  t.test('PATCH /articles cannot set server-owned fields either, even next to a legal one', async (t) => {
    const before = await state(app)
    for (const [field, value] of Object.entries({
      id: UNKNOWN_UUID,
      status: 'published',
      publishedAt: ts,
      commentCount: 99,
      createdAt: ts,
      updatedAt: ts,
      version: 1,
    })) {
      const res = await app.inject({
        method: 'PATCH',
        url: `/api/v1/articles/${joaoDraft.id}`,
        headers: { ...joaoToken, 'if-match': '*' },
        ...jsonPayload({ title: 'Legal', [field]: value }),
      })
      isProblem(t, res, 400, 'VALIDATION_FAILED', `/body/${field}`)
      const res2 = await app.inject({
        method: 'PATCH',
        url: `/api/v1/articles/${tram.id}`,
        headers: { ...admin, 'if-match': '*' },
        ...jsonPayload({ [field]: value }),
      })
      isProblem(t, res2, 400, 'VALIDATION_FAILED', `/body/${field}`)
    }
    await unchanged(t, app, before)
  })

  t.test('POST and PATCH /authors cannot set id, timestamps, version or a role', async (t) => {
    const before = await state(app)
    for (const [field, value] of Object.entries({
      id: UNKNOWN_UUID,
      createdAt: ts,
      updatedAt: ts,
      version: 3,
      role: 'admin',
      tokens: [],
    })) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/authors',
        headers: editor,
        ...jsonPayload({ name: 'Mass', [field]: value }),
      })
      isProblem(t, res, 400, 'VALIDATION_FAILED', `/body/${field}`)
      const res2 = await app.inject({
        method: 'PATCH',
        url: `/api/v1/authors/${joao.id}`,
        headers: { ...joaoToken, 'if-match': '*' },
        ...jsonPayload({ bio: 'Mine', [field]: value }),
      })
      isProblem(t, res2, 400, 'VALIDATION_FAILED', `/body/${field}`)
    }
    await unchanged(t, app, before)
  })

  t.test('a reader cannot post a comment with status, id, articleId, createdAt or version', async (t) => {
    const before = await state(app)
    for (const [field, value] of Object.entries({
      status: 'approved',
      id: UNKNOWN_UUID,
      articleId: joaoDraft.id,
      createdAt: ts,
      version: 9,
      authorEmailVerified: true,
    })) {
      const res = await app.inject({
        method: 'POST',
        url: commentsOf(tram.slug),
        ...jsonPayload({ ...goodComment, [field]: value }),
      })
      isProblem(t, res, 400, 'VALIDATION_FAILED', `/body/${field}`)
      noLeak(t, res)
    }
    await unchanged(t, app, before)
  })

  t.test('moderation PATCH cannot move a comment to another article or rewrite who wrote it', async (t) => {
    const before = await state(app)
    for (const [field, value] of Object.entries({
      articleId: joaoDraft.id,
      authorEmail: 'x@reader.test',
      authorName: 'Someone',
      parentId: UNKNOWN_UUID,
      createdAt: ts,
      id: UNKNOWN_UUID,
    })) {
      const res = await app.inject({
        method: 'PATCH',
        url: tramComment(tram1),
        headers: { ...admin, 'if-match': '*' },
        ...jsonPayload({ status: 'approved', [field]: value }),
      })
      isProblem(t, res, 400, 'VALIDATION_FAILED', `/body/${field}`)
    }
    await unchanged(t, app, before)
  })

  t.test(
    'POST /tokens cannot set secret, secretHash, prefix, id, fromEnvironment, createdAt or lastUsedAt',
    async (t) => {
      const before = await state(app)
      const owned = {
        secret: `bs_${'a'.repeat(43)}`,
        secretHash: 'a'.repeat(64),
        prefix: 'bs_aaaaaaa',
        id: UNKNOWN_UUID,
        fromEnvironment: true,
        createdAt: ts,
        lastUsedAt: ts,
      }
      for (const [field, value] of Object.entries(owned)) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/tokens',
          headers: admin,
          ...jsonPayload({ name: 'Mass', role: 'viewer', [field]: value }),
        })
        isProblem(t, res, 400, 'VALIDATION_FAILED', `/body/${field}`)
        noLeak(t, res)
      }
      const author = await app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: admin,
        ...jsonPayload({ name: 'Mass', role: 'editor', authorId: joao.id }),
      })
      isProblem(t, author, 400, 'VALIDATION_FAILED', '/body/authorId')
      await unchanged(t, app, before)
    },
  )

  t.test('publish takes only publishAt: status or publishedAt in its body is 400', async (t) => {
    const before = await state(app)
    for (const [payload, path] of [
      [{ status: 'published' }, '/body/status'],
      [{ publishedAt: ts }, '/body/publishedAt'],
      [{ publishAt: 'tomorrow' }, '/body/publishAt'],
      [{ publishAt: 1_700_000_000_000 }, '/body/publishAt'],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/articles/${joaoDraft.id}/publish`,
        headers: joaoToken,
        ...jsonPayload(payload),
      })
      isProblem(t, res, 400, 'VALIDATION_FAILED', path)
    }
    await unchanged(t, app, before)
  })

  t.test('year 0000 in publishAt is a 400 naming /body/publishAt, not a 500', async (t) => {
    const before = await state(app)
    for (const publishAt of ['0000-01-01T00:00:00Z', '0000-12-31T23:59:59.999Z']) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/articles/${joaoDraft.id}/publish`,
        headers: editor,
        ...jsonPayload({ publishAt }),
      })
      isProblem(t, res, 400, 'VALIDATION_FAILED', '/body/publishAt')
      noLeak(t, res)
    }
    await unchanged(t, app, before)
  })

  t.test('a leap-second publishAt (23:59:60Z) is never a 500', async (t) => {
    const before = await state(app)
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/articles/${joaoDraft.id}/publish`,
      headers: editor,
      ...jsonPayload({ publishAt: '2016-12-31T23:59:60Z' }),
    })
    t.ok(res.statusCode < 500, `answered ${res.statusCode}, not a server error`)
    noLeak(t, res)
    if (res.statusCode >= 400) {
      if (res.statusCode < 500) isProblem(t, res, 400, 'VALIDATION_FAILED', '/body/publishAt')
      await unchanged(t, app, before, 'a refused publish wrote nothing')
    }
  })
})
